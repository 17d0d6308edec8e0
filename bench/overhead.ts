import { apiKeyAuth } from '@attache/api-key';
import { createClient, createFetch, secret } from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { attacheTelemetry } from '@attache/otel';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { type ReadableSpan, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import ky from 'ky';
import { collectGarbage, median } from './harness.ts';

export interface OverheadResult {
  readonly name: string;
  /** Microseconds per call, median of the rounds. */
  readonly microseconds: number;
  /** Microseconds more than the canned `fetch` alone. */
  readonly overMicroseconds?: number;
}

const ORIGIN = 'http://127.0.0.1:9';
const BODY = '{"id":1,"status":"open"}';

/**
 * Where a call's time goes without a network: the global `fetch` is replaced, for this section only, by one
 * that builds the Request a real fetch would build and answers at once. Its cost is the floor; what a client
 * adds on top of it is what Attaché itself costs per call. In process, 50 calls in flight, interleaved rounds.
 */
export async function runOverheadBench(total = 50_000, rounds = 5): Promise<OverheadResult[]> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    return new Response(request.method === 'HEAD' ? null : BODY, {
      headers: { 'content-type': 'application/json' },
    });
  };
  try {
    const key = apiKeyAuth({ key: secret('bench-key') });
    const withKey = createFetch({ baseUrl: ORIGIN, auth: key });
    const withoutDeadline = createFetch({ baseUrl: ORIGIN, auth: key, timeout: false });
    const noAuth = createFetch({ baseUrl: ORIGIN });
    const client = createClient({ baseUrl: ORIGIN, auth: key });
    const signed = createFetch({
      baseUrl: ORIGIN,
      auth: hmacAuth({ keyId: 'bench', key: secret('bench-secret-0123456789') }),
    });
    // Observability: a listener that does nothing (the cost of building the events), and @attache/otel on the
    // global no-op API and on a recording SDK whose spans end in a processor that drops them.
    const listened = createFetch({ baseUrl: ORIGIN, auth: key, onEvent: () => {} });
    const noopOtel = attacheTelemetry();
    const withNoopOtel = createFetch({
      baseUrl: ORIGIN,
      auth: [noopOtel.propagation, key],
      onEvent: noopOtel.onEvent,
    });
    const dropped: SpanProcessor = {
      onStart: () => {},
      onEnd: (_span: ReadableSpan) => {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const sdkOtel = attacheTelemetry({
      tracerProvider: new TracerProvider({ spanProcessors: [dropped] }),
      meterProvider: new MeterProvider(),
    });
    const withSdkOtel = createFetch({
      baseUrl: ORIGIN,
      auth: [sdkOtel.propagation, key],
      onEvent: sdkOtel.onEvent,
    });
    const variants: Record<string, () => Promise<unknown>> = {
      'fetch (canned)': () => fetch(`${ORIGIN}/orders/1`).then((r) => r.json()),
      'fetch (canned) + 30 s deadline': async () => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 30_000);
        try {
          return await (await fetch(`${ORIGIN}/orders/1`, { signal: controller.signal })).json();
        } finally {
          clearTimeout(timer);
        }
      },
      'createFetch, no auth': () => noAuth('orders/1').then((r) => r.json()),
      'createFetch + apiKeyAuth': () => withKey('orders/1').then((r) => r.json()),
      'createFetch + apiKeyAuth, timeout: false': () => withoutDeadline('orders/1').then((r) => r.json()),
      'createFetch + hmacAuth (rfc9421)': () => signed('orders/1').then((r) => r.json()),
      // The client face against plain ky on the same canned fetch: what createClient adds to ky.
      'plain ky (canned fetch)': () => ky.get(`${ORIGIN}/orders/1`, { retry: 0 }).json(),
      'createClient + apiKeyAuth': () => client.get('orders/1').json(),
      'createFetch + apiKeyAuth + onEvent (no-op)': () => listened('orders/1').then((r) => r.json()),
      'createFetch + apiKeyAuth + @attache/otel (no-op API)': () =>
        withNoopOtel('orders/1').then((r) => r.json()),
      'createFetch + apiKeyAuth + @attache/otel (recording SDK)': () =>
        withSdkOtel('orders/1').then((r) => r.json()),
    };
    const run = async (call: () => Promise<unknown>, count: number): Promise<number> => {
      collectGarbage();
      const started = performance.now();
      for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: 50 }, call));
      return ((performance.now() - started) * 1000) / count;
    };
    for (const call of Object.values(variants)) await run(call, 5_000);
    const samples = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      const entries = Object.entries(variants);
      for (const [name, call] of round % 2 === 0 ? entries : entries.reverse()) {
        samples.set(name, [...(samples.get(name) ?? []), await run(call, total)]);
      }
    }
    const floor = median(samples.get('fetch (canned)') ?? []);
    return Object.keys(variants).map((name) => {
      const microseconds = median(samples.get(name) ?? []);
      return name === 'fetch (canned)'
        ? { name, microseconds }
        : { name, microseconds, overMicroseconds: microseconds - floor };
    });
  } finally {
    globalThis.fetch = realFetch;
  }
}
