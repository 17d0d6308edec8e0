/**
 * One refresh-and-replay call, observed: a partner whose first answer is a 503 and whose second is a 401
 * (the token was revoked), an OAuth token endpoint, and a client with `@attache/otel` recording spans on the
 * OpenTelemetry SDK and writing JSON log lines. Prints the call's trace tree and its log lines.
 *
 * Run it: `node --conditions=@attache/source examples/observability/observability.ts`
 */
import { createFetch, secret } from '@attache/core';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { attacheTelemetry, combineListeners, consoleEventLogger } from '@attache/otel';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { serve } from '../support/serve.ts';
import { traceTree } from './trace-tree.ts';

/** What one run printed. */
export interface ObservabilityReport {
  readonly status: number;
  readonly tree: readonly string[];
  readonly logLines: readonly string[];
}

export async function runObservabilityDemo(): Promise<ObservabilityReport> {
  let tokens = 0;
  let calls = 0;
  const partner = await serve((request) => {
    const url = new URL(request.url);
    if (url.pathname === '/token') {
      tokens++;
      return Response.json({ access_token: `token-${tokens}`, token_type: 'Bearer', expires_in: 3600 });
    }
    calls++;
    if (calls === 1) return new Response(null, { status: 503, headers: { 'retry-after-ms': '5' } });
    if (calls === 2) {
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
    return Response.json({ orders: [{ id: 'o-1' }] });
  });
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const logLines: string[] = [];
  try {
    const telemetry = attacheTelemetry({ tracerProvider });
    const partnerFetch = createFetch({
      baseUrl: partner.origin,
      auth: [
        telemetry.propagation,
        clientCredentialsAuth({
          tokenEndpoint: `${partner.origin}/token`,
          clientId: 'robot',
          clientSecret: secret('demo-client-secret'),
        }),
      ],
      onEvent: combineListeners(
        telemetry.onEvent,
        consoleEventLogger({ level: 'info', write: (line) => logLines.push(line) }),
      ),
    });
    const response = await partnerFetch('orders');
    await response.arrayBuffer();
    await tracerProvider.forceFlush();
    return { status: response.status, tree: traceTree(exporter.getFinishedSpans()), logLines };
  } finally {
    await tracerProvider.shutdown();
    context.disable();
    await partner.close();
  }
}

if (import.meta.main) {
  const report = await runObservabilityDemo();
  console.log(`status ${report.status}\n\ntrace:\n${report.tree.join('\n')}\n\nlog lines (info and up):`);
  for (const line of report.logLines) console.log(line);
}
