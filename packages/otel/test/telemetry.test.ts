import { createFetch, secret } from '@attache/core';
import { createHmacVerifier, hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { attacheTelemetry } from '@attache/otel';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, sdk, serve, webRequest } from './support/harness.ts';

const HMAC_KEY = 'hmac-key-for-the-trace-test';
const CLIENT_SECRET = 'client-secret-for-the-trace-test';

let partner: Loopback;
let tokens = 0;
let orders = 0;
const received: { traceparent: string | undefined; authorization: string | undefined; verified: string }[] =
  [];
const verifier = createHmacVerifier({ keys: { k: secret(HMAC_KEY) } });

beforeAll(async () => {
  partner = await serve(async (request, body, response) => {
    if (request.url === '/token') {
      tokens++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ access_token: `tok-${tokens}`, token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    orders++;
    const result = await verifier.verify(webRequest(partner.origin, request, body));
    received.push({
      traceparent: request.headers.traceparent as string | undefined,
      authorization: request.headers.authorization,
      verified: result.ok ? (result.components ?? []).join(' ') : `refused: ${result.reason}`,
    });
    if (orders === 1) {
      response.writeHead(503, { 'retry-after-ms': '1' });
      response.end();
    } else if (orders === 2) {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      response.end();
    } else {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ id: 'o-1' }));
    }
  });
});

afterAll(async () => {
  await partner.close();
});

const kindOf = (span: ReadableSpan) => span.kind;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('attacheTelemetry on the real OpenTelemetry SDK: one refresh-and-replay call', () => {
  it('a call span under the caller’s span, three attempt spans, token spans, metrics, traceparent signed', async () => {
    const otel = sdk();
    const telemetry = attacheTelemetry({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: [
        telemetry.propagation,
        clientCredentialsAuth({
          tokenEndpoint: `${partner.origin}/token`,
          clientId: 'robot',
          clientSecret: secret(CLIENT_SECRET),
        }),
        hmacAuth({
          keyId: 'k',
          key: secret(HMAC_KEY),
          components: ['@method', '@target-uri', 'authorization', 'traceparent'],
        }),
      ],
      random: () => 0,
      onEvent: telemetry.onEvent,
    });
    const tracer = otel.tracerProvider.getTracer('app');
    const status = await tracer.startActiveSpan('job', async (job) => {
      const response = await fetch('orders?page=2');
      job.end();
      return response.status;
    });
    expect(status).toBe(200);
    expect(tokens).toBe(2);
    expect(orders).toBe(3);

    const spans = await otel.spans();
    const job = spans.find((s) => s.name === 'job');
    const calls = spans.filter((s) => kindOf(s) === SpanKind.INTERNAL && s.name === 'GET');
    const attempts = spans.filter((s) => kindOf(s) === SpanKind.CLIENT);
    const tokenSpans = spans.filter((s) => s.name === 'attache token');
    const exchanges = spans.filter((s) => s.name === 'POST');
    expect(spans).toHaveLength(1 + 1 + 3 + 2 + 2);
    expect(calls).toHaveLength(1);
    const call = calls[0] as ReadableSpan;
    expect(parentOf(call)).toBe(job?.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    expect(call.attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(partner.origin).port),
      'url.full': `${partner.origin}/orders?page=2`,
      'http.response.status_code': 200,
      'attache.attempts': 3,
    });
    expect(call.status.code).not.toBe(SpanStatusCode.ERROR);

    expect(attempts.map((s) => parentOf(s))).toEqual([
      call.spanContext().spanId,
      call.spanContext().spanId,
      call.spanContext().spanId,
    ]);
    expect(
      attempts.map((s) => [
        s.attributes['attache.send_reason'],
        s.attributes['http.request.resend_count'],
        s.attributes['http.response.status_code'],
        s.attributes['error.type'],
        s.attributes['attache.replay'],
        s.attributes['attache.retry_reason'],
        s.status.code,
      ]),
    ).toEqual([
      ['initial', undefined, 503, '503', false, undefined, SpanStatusCode.ERROR],
      ['retry', 1, 401, '401', false, '503', SpanStatusCode.ERROR],
      ['replay', 2, 200, undefined, true, undefined, SpanStatusCode.UNSET],
    ]);
    for (const attempt of attempts) {
      expect(attempt.attributes['attache.auth.schemes']).toEqual(['trace-context', 'oauth-cc', 'hmac']);
      expect(attempt.attributes['attache.credentials']).toBe('credentials');
    }

    // The first token was fetched while attempt 1 attached; the second by the challenge, between attempts.
    expect(tokenSpans.map((s) => [s.attributes['attache.token.origin'], parentOf(s)])).toEqual([
      ['network', attempts[0]?.spanContext().spanId],
      ['network', call.spanContext().spanId],
    ]);
    expect(
      exchanges.map((s) => [s.attributes['url.full'], s.attributes['attache.token.grant_type']]),
    ).toEqual([
      [`${partner.origin}/token`, 'client_credentials'],
      [`${partner.origin}/token`, 'client_credentials'],
    ]);

    // Each request carried its own attempt span as the parent, and the HMAC signature covered it.
    expect(received.map((r) => r.traceparent)).toEqual(
      attempts.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`),
    );
    expect(received.map((r) => r.verified)).toEqual(
      Array(3).fill('"@method" "@target-uri" "authorization" "traceparent"'),
    );
    expect(received.map((r) => r.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);

    // Both authenticators with a challenge() were asked: oauth-cc refreshed, the signer had nothing to renew.
    expect(call.events.map((e) => [e.name, e.attributes?.['attache.authenticator']])).toEqual([
      ['retry', undefined],
      ['challenge', 'oauth-cc'],
      ['challenge', 'hmac'],
    ]);

    expect(await otel.metric('attache.client.call.duration')).toEqual([
      [
        {
          'http.request.method': 'GET',
          'server.address': '127.0.0.1',
          'server.port': Number(new URL(partner.origin).port),
          'http.response.status_code': 200,
        },
        1,
      ],
    ]);
    const requests = await otel.metric('http.client.request.duration');
    expect(requests.map(([a, n]) => [a['http.response.status_code'], a['error.type'], n])).toEqual([
      [503, '503', 1],
      [401, '401', 1],
      [200, undefined, 1],
    ]);
    expect(await otel.metric('attache.retries')).toEqual([
      [{ 'attache.retry_reason': '503', 'http.request.method': 'GET' }, 1],
    ]);
    expect((await otel.metric('attache.replays')).map(([, n]) => n)).toEqual([1]);
    expect(await otel.metric('attache.token.fetches')).toEqual([[{ 'attache.token.origin': 'network' }, 2]]);
    expect(await otel.metric('attache.token.refresh_failures')).toEqual([]);
  });

  it('without an active span the call span is a root; nothing of a call leaks into the next', async () => {
    const otel = sdk();
    const telemetry = attacheTelemetry({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    const fetch = createFetch({ baseUrl: partner.origin, onEvent: telemetry.onEvent });
    orders = 10;
    await Promise.all(Array.from({ length: 25 }, (_, i) => fetch(`orders/${i}`)));
    const spans = await otel.spans();
    const roots = spans.filter((s) => s.kind === SpanKind.INTERNAL);
    expect(roots).toHaveLength(25);
    expect(roots.every((s) => s.parentSpanContext === undefined)).toBe(true);
    expect(new Set(roots.map((s) => s.spanContext().traceId)).size).toBe(25);
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients).toHaveLength(25);
    // Each attempt span sits in its own call's trace, under its own call span, with its own URL.
    for (const client of clients) {
      const parent = roots.find((r) => r.spanContext().spanId === parentOf(client));
      expect(parent?.attributes['url.full']).toBe(client.attributes['url.full']);
      expect(parent?.spanContext().traceId).toBe(client.spanContext().traceId);
    }
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('a token endpoint that fails: the refresh failure is counted, the call span says why', async () => {
    const failing = await serve((_request, _body, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_client' }));
    });
    try {
      const otel = sdk();
      const telemetry = attacheTelemetry({
        tracerProvider: otel.tracerProvider,
        meterProvider: otel.meterProvider,
      });
      const fetch = createFetch({
        baseUrl: partner.origin,
        auth: [
          telemetry.propagation,
          clientCredentialsAuth({
            tokenEndpoint: `${failing.origin}/token`,
            clientId: 'robot',
            clientSecret: secret(CLIENT_SECRET),
          }),
        ],
        onEvent: telemetry.onEvent,
      });
      await expect(fetch('orders')).rejects.toMatchObject({ code: 'TOKEN_ACQUISITION' });
      const call = (await otel.spans()).find((s) => s.kind === SpanKind.INTERNAL && s.name === 'GET');
      expect(call?.attributes['error.type']).toBe('TOKEN_ACQUISITION');
      expect(call?.status.code).toBe(SpanStatusCode.ERROR);
      const exchange = (await otel.spans()).find((s) => s.name === 'POST');
      expect(exchange?.attributes).toMatchObject({
        'http.response.status_code': 400,
        'error.type': 'invalid_client',
      });
      expect(await otel.metric('attache.token.refresh_failures')).toEqual([
        [{ 'error.type': 'invalid_client', 'attache.token.still_valid': false }, 1],
      ]);
    } finally {
      await failing.close();
    }
  });

  it('a redirect to another origin: credentials withheld, counted, the hop its own client span', async () => {
    const other = await serve((_request, _body, response) => response.end('elsewhere'));
    const home = await serve((_request, _body, response) => {
      response.writeHead(302, { location: `${other.origin}/landing` });
      response.end();
    });
    try {
      const otel = sdk();
      const telemetry = attacheTelemetry({
        tracerProvider: otel.tracerProvider,
        meterProvider: otel.meterProvider,
      });
      const fetch = createFetch({
        baseUrl: home.origin,
        auth: [telemetry.propagation, { name: 'key', attach: (draft) => draft.headers.set('x-key', 'k') }],
        onEvent: telemetry.onEvent,
      });
      expect((await fetch('start')).status).toBe(200);
      const clients = (await otel.spans()).filter((s) => s.kind === SpanKind.CLIENT);
      expect(
        clients.map((s) => [
          s.attributes['attache.send_reason'],
          s.attributes['attache.credentials'],
          s.attributes['http.request.resend_count'],
        ]),
      ).toEqual([
        ['initial', 'credentials', undefined],
        ['redirect', 'withheld', 1],
      ]);
      expect(await otel.metric('attache.credentials.withheld')).toEqual([
        [{ 'attache.credentials.withheld_reason': 'redirect' }, 1],
      ]);
    } finally {
      await other.close();
      await home.close();
    }
  });
});
