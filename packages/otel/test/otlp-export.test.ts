import { gunzipSync } from 'node:zlib';
import { createFetch, secret } from '@attache/core';
import { attacheTelemetry } from '@attache/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, sdk, serve } from './support/harness.ts';

/** An OTLP/JSON attribute value, as the collector receives it. */
type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values: AnyValue[] };
};
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: AnyValue }[];
}

function plain(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(plain);
  return undefined;
}

const attrs = (span: OtlpSpan) => Object.fromEntries(span.attributes.map((a) => [a.key, plain(a.value)]));

let partner: Loopback;
const exported: OtlpSpan[] = [];
const contentTypes: string[] = [];

beforeAll(async () => {
  partner = await serve((request, _body, response) => {
    if (request.url?.startsWith('/slow-then-ok?')) {
      response.setHeader('content-type', 'application/json');
      response.end('{"ok":true}');
      return;
    }
    response.statusCode = 404;
    response.end();
  });
});

afterAll(async () => {
  await partner.close();
});

describe('spans through the OTLP/HTTP exporter to a loopback collector', () => {
  it('the collector receives the call and attempt spans with their attributes and parent links', async () => {
    const bodies: Buffer[] = [];
    const receiver = await serveRaw(bodies);
    try {
      const exporter = new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` });
      const otel = sdk([new BatchSpanProcessor({ exporter })]);
      const telemetry = attacheTelemetry({
        tracerProvider: otel.tracerProvider,
        meterProvider: otel.meterProvider,
      });
      const fetch = createFetch({
        baseUrl: partner.origin,
        auth: [
          telemetry.propagation,
          {
            name: 'api-key',
            sensitiveQuery: ['key'],
            attach: (draft) => draft.url.searchParams.set('key', secret('k-very-secret-123').reveal()),
          },
        ],
        onEvent: telemetry.onEvent,
      });
      expect((await fetch('slow-then-ok?page=1')).status).toBe(200);
      expect((await fetch('missing')).status).toBe(404);
      await otel.tracerProvider.forceFlush();
      for (const body of bodies) {
        const payload = JSON.parse(body.toString('utf8')) as {
          resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
        };
        for (const resource of payload.resourceSpans) {
          for (const scope of resource.scopeSpans) {
            expect(scope.scope.name).toBe('@attache/otel');
            exported.push(...scope.spans);
          }
        }
      }
      expect(new Set(contentTypes)).toEqual(new Set(['application/json']));
      expect(exported).toHaveLength(4);
      const calls = exported.filter((s) => s.kind === 1); // SPAN_KIND_INTERNAL
      const clients = exported.filter((s) => s.kind === 3); // SPAN_KIND_CLIENT
      expect(calls).toHaveLength(2);
      expect(clients).toHaveLength(2);
      for (const client of clients) {
        const parent = calls.find((c) => c.spanId === client.parentSpanId);
        expect(parent?.traceId).toBe(client.traceId);
      }
      const byStatus = Object.fromEntries(
        clients.map((c) => [attrs(c)['http.response.status_code'], attrs(c)]),
      );
      expect(byStatus[200]).toMatchObject({
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        // The URL as the caller asked for it: the span starts before the authenticators add the key.
        'url.full': `${partner.origin}/slow-then-ok?page=1`,
        'attache.send_reason': 'initial',
        'attache.auth.schemes': ['trace-context', 'api-key'],
      });
      expect(byStatus[404]).toMatchObject({ 'error.type': '404' });
      // The key went to the partner, never to the collector.
      expect(Buffer.concat(bodies).toString('utf8')).not.toContain('k-very-secret-123');
    } finally {
      await receiver.close();
    }
  });
});

/** A stand-in OpenTelemetry collector (OTLP/HTTP, JSON encoding) on loopback that keeps each request's body (gunzipped when the exporter compressed it). */
async function serveRaw(bodies: Buffer[]): Promise<Loopback> {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      contentTypes.push(request.headers['content-type'] ?? '');
      bodies.push(request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
      response.setHeader('content-type', 'application/json');
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
