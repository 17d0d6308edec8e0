import { apiKeyAuth } from '@attache/api-key';
import { createClient, createFetch } from '@attache/core';
import { attacheTelemetry } from '@attache/otel';
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMswWorker } from './support/msw-worker.ts';

// Runs in real Chromium (vitest browser mode) on the real OpenTelemetry SDK; the partner API is mocked by
// msw's Service Worker, which sees each request exactly as the page sent it to the network.
const BASE = 'https://api.partner.test';
const KEY = 'pk_live_browser_trace_key';
const worker = useMswWorker();

/**
 * A page has no async context: the web SDK's context manager keeps the active context for synchronous code
 * only. This one does the same, so the test runs under the context a browser app would have.
 */
class SynchronousContextManager implements ContextManager {
  #active: Context = ROOT_CONTEXT;
  active(): Context {
    return this.#active;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    active: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.#active;
    this.#active = active;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#active = previous;
    }
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#active = ROOT_CONTEXT;
    return this;
  }
}

beforeAll(() => {
  context.setGlobalContextManager(new SynchronousContextManager());
});
afterAll(() => {
  context.disable();
});

interface Seen {
  readonly url: URL;
  readonly headers: Record<string, string>;
}

/** The partner API: records every request; answers each with the next status of `statuses`, then 200. */
function partner(statuses: number[] = []): Seen[] {
  const seen: Seen[] = [];
  worker.use(
    http.all(`${BASE}/*`, ({ request }) => {
      seen.push({ url: new URL(request.url), headers: Object.fromEntries(request.headers) });
      const status = statuses.shift() ?? 200;
      return status === 200
        ? HttpResponse.json({ id: 'o-1' })
        : new HttpResponse(null, { status, headers: { 'retry-after': '0' } });
    }),
  );
  return seen;
}

function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const telemetry = attacheTelemetry({ tracerProvider, propagator: new W3CTraceContextPropagator() });
  return {
    telemetry,
    tracer: tracerProvider.getTracer('page'),
    async spans(): Promise<ReadableSpan[]> {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}

const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;
const traceparentOf = (span: SpanContext) => `00-${span.traceId}-${span.spanId}-01`;

/** Every attribute value of every span and span event, as text. */
function attributeText(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => [span.name, span.attributes, span.events.map((event) => event.attributes)]),
  );
}

describe('@attache/otel in a real browser', () => {
  it('runs in Chromium with the msw Service Worker in control of the page', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(navigator.serviceWorker.controller?.scriptURL).toMatch(/\/mockServiceWorker\.js$/);
  });

  it('createClient with an API key: a call span, its attempt span, HTTP attributes, traceparent sent', async () => {
    const seen = partner();
    const otel = sdk();
    const client = createClient({
      baseUrl: BASE,
      auth: [otel.telemetry.propagation, apiKeyAuth({ key: KEY })],
      onEvent: otel.telemetry.onEvent,
    });

    const order = await client.get('orders/42').json();

    expect(order).toEqual({ id: 'o-1' });
    const spans = await otel.spans();
    expect(spans).toHaveLength(2);
    const call = spans.find((span) => span.kind === SpanKind.INTERNAL);
    const attempt = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(call?.name).toBe('GET');
    expect(attempt?.name).toBe('GET');
    if (!call || !attempt) return;
    // Made outside any span: the call span is a root.
    expect(parentOf(call)).toBeUndefined();
    expect(parentOf(attempt)).toBe(call.spanContext().spanId);
    expect(attempt.spanContext().traceId).toBe(call.spanContext().traceId);

    const http = {
      'http.request.method': 'GET',
      'server.address': 'api.partner.test',
      'server.port': 443,
      'url.full': `${BASE}/orders/42`,
      'http.response.status_code': 200,
    };
    expect(call.attributes).toMatchObject({ ...http, 'attache.attempts': 1 });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt.attributes).toMatchObject({
      ...http,
      'attache.attempt': 1,
      'attache.hop': 0,
      'attache.send_reason': 'initial',
      'attache.replay': false,
      'attache.credentials': 'credentials',
      'attache.auth.schemes': ['trace-context', 'api-key'],
    });
    expect(attempt.attributes['http.request.resend_count']).toBeUndefined();
    expect(attempt.attributes['error.type']).toBeUndefined();
    expect(attempt.status.code).toBe(SpanStatusCode.UNSET);

    // The request carried the key and the attempt span's own context; no attribute carries the key.
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-api-key']).toBe(KEY);
    expect(seen[0]?.headers.traceparent).toBe(traceparentOf(attempt.spanContext()));
    expect(attributeText(spans)).not.toContain(KEY);
  });

  it('createClient inside a page span: the call span is its child, though ky awaits before the pipeline runs', async () => {
    const seen = partner();
    const otel = sdk();
    const client = createClient({
      baseUrl: BASE,
      auth: [otel.telemetry.propagation, apiKeyAuth({ key: KEY })],
      onEvent: otel.telemetry.onEvent,
    });

    const [first, second] = await otel.tracer.startActiveSpan('load orders', async (page) => {
      // Both calls are made synchronously inside the page's span; ky reaches the pipeline after its awaits.
      const pending = [client.get('orders/1').json(), client.get('orders/2').json()];
      try {
        return await Promise.all(pending);
      } finally {
        page.end();
      }
    });
    // A call made afterwards, outside the span, is a root again.
    await client.get('orders/3').json();

    expect([first, second]).toEqual([{ id: 'o-1' }, { id: 'o-1' }]);
    const spans = await otel.spans();
    const page = spans.find((span) => span.name === 'load orders');
    const calls = spans.filter((span) => span.kind === SpanKind.INTERNAL && span !== page);
    const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(7);
    expect(calls.map(parentOf)).toEqual([page?.spanContext().spanId, page?.spanContext().spanId, undefined]);
    expect(calls.slice(0, 2).map((span) => span.spanContext().traceId)).toEqual([
      page?.spanContext().traceId,
      page?.spanContext().traceId,
    ]);
    expect(attempts.map(parentOf).sort()).toEqual(calls.map((span) => span.spanContext().spanId).sort());
    expect(seen.map((request) => request.headers.traceparent)).toEqual(
      seen.map((request) => {
        const attempt = attempts.find((span) => span.attributes['url.full'] === request.url.href);
        return attempt === undefined ? 'missing' : traceparentOf(attempt.spanContext());
      }),
    );
  });

  it('createFetch under a page span, the key in the query, a retried 503: one attempt span per request, url.full masked', async () => {
    const seen = partner([503]);
    const otel = sdk();
    const fetch = createFetch({
      baseUrl: BASE,
      auth: [otel.telemetry.propagation, apiKeyAuth({ key: KEY, in: 'query' })],
      random: () => 0,
      onEvent: otel.telemetry.onEvent,
    });

    const status = await otel.tracer.startActiveSpan('load orders', async (page) => {
      // createFetch starts the call synchronously, inside the page's active span: that span is its parent.
      const pending = fetch('orders?status=open');
      try {
        return (await pending).status;
      } finally {
        page.end();
      }
    });

    expect(status).toBe(200);
    const spans = await otel.spans();
    const page = spans.find((span) => span.name === 'load orders');
    const call = spans.find((span) => span.kind === SpanKind.INTERNAL && span !== page);
    const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(4);
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(call?.attributes).toMatchObject({ 'http.response.status_code': 200, 'attache.attempts': 2 });
    expect(parentOf(call)).toBe(page?.spanContext().spanId);
    expect(attempts.map(parentOf)).toEqual([call?.spanContext().spanId, call?.spanContext().spanId]);
    expect(
      attempts.map((span) => [
        span.attributes['attache.send_reason'],
        span.attributes['http.request.resend_count'],
        span.attributes['http.response.status_code'],
        span.attributes['error.type'],
        span.status.code,
      ]),
    ).toEqual([
      ['initial', undefined, 503, '503', SpanStatusCode.ERROR],
      ['retry', 1, 200, undefined, SpanStatusCode.UNSET],
    ]);
    expect(call?.events.map((event) => event.name)).toEqual(['retry']);

    // The partner got the key in the query; every span's url.full has it masked.
    expect(seen.map((request) => request.url.searchParams.get('api_key'))).toEqual([KEY, KEY]);
    for (const span of [call, ...attempts]) {
      const url = new URL(String(span?.attributes['url.full']));
      expect(url.pathname).toBe('/orders');
      expect(url.searchParams.get('status')).toBe('open');
      expect(url.searchParams.get('api_key')).not.toBe(KEY);
    }
    expect(attributeText(spans)).not.toContain(KEY);

    // Each request carried its own attempt's context.
    expect(seen.map((request) => request.headers.traceparent)).toEqual(
      attempts.map((span) => traceparentOf(span.spanContext())),
    );
  });
});
