import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type CollectionResult,
  MeterProvider,
  MetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

// Async context across awaits, as the OpenTelemetry Node SDK sets it up: the call span's parent is the span
// active where the call was made.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

/** A metric reader the test collects from on demand. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Telemetry {
  readonly exporter: InMemorySpanExporter;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** The finished spans, once the processors have exported them (export is asynchronous). */
  spans(): Promise<ReadableSpan[]>;
  /** Every data point of the metric `name`, as `[attributes, value]` (histograms: their count). */
  metric(name: string): Promise<[Record<string, unknown>, number][]>;
}

/** A tracer provider on the real SDK with an in-memory exporter, and a meter provider with a reader. */
export function sdk(extraProcessors: SpanProcessor[] = []): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter }), ...extraProcessors],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    exporter,
    tracerProvider,
    meterProvider,
    async spans() {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans();
    },
    async metric(name) {
      const result: CollectionResult = await reader.collect();
      const points: [Record<string, unknown>, number][] = [];
      for (const scope of result.resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== name) continue;
          for (const point of metric.dataPoints) {
            const value = point.value as number | { count: number };
            points.push([{ ...point.attributes }, typeof value === 'number' ? value : value.count]);
          }
        }
      }
      return points;
    },
  };
}

export type { PushMetricExporter, Span };

export interface Loopback {
  readonly origin: string;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1; the handler gets the request's body as text. */
export function serve(
  handler: (request: IncomingMessage, body: string, response: ServerResponse) => unknown,
): Promise<Loopback> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      Promise.resolve(handler(request, Buffer.concat(chunks).toString('utf8'), response)).catch(() => {
        response.statusCode = 500;
        response.end();
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A web `Request` rebuilt from what a node:http server received, for verifiers that take one. */
export function webRequest(origin: string, request: IncomingMessage, body: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const method = request.method ?? 'GET';
  return new Request(`${origin}${request.url}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
}
