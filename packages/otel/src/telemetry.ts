import type { AttacheEventListener, Authenticator } from '@attache/core';
import { ConfigError } from '@attache/core';
import {
  context as contextApi,
  type MeterProvider,
  metrics,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { createInstruments } from './instruments.ts';
import { recordEvent } from './record-event.ts';
import { bindCallContext, type TelemetryState } from './telemetry-state.ts';
import { traceContextAuth } from './trace-context.ts';

/** Options of {@link attacheTelemetry}. */
export interface AttacheTelemetryOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider;
  /**
   * How trace context is written onto requests. Default: the global propagator (the OpenTelemetry Node SDK
   * registers W3C `traceparent`/`tracestate`); without one registered nothing is injected.
   */
  readonly propagator?: TextMapPropagator;
  /** The name of the tracer and meter. Default `@attache/otel`. */
  readonly instrumentationName?: string;
  /** Epoch milliseconds, for spans rebuilt from an event's duration. Default `Date.now`. */
  readonly now?: () => number;
}

/** What {@link attacheTelemetry} returns: a listener for the client's `onEvent`, and a propagating authenticator. */
export interface AttacheTelemetry {
  /** Give it to the client's `onEvent` (with `combineListeners` when there are other consumers). */
  readonly onEvent: AttacheEventListener;
  /**
   * An authenticator that writes the current attempt's trace context (`traceparent`, `tracestate`) onto each
   * request. It is not a signer, so it runs before signers and an HTTP signature can cover those headers; put
   * it first in `auth`.
   */
  readonly propagation: Authenticator;
}

/**
 * OpenTelemetry spans and metrics built from the client's events, and W3C trace context on every request.
 *
 * Spans: one per call (`INTERNAL`, child of the span active when the call was made), one `CLIENT` span per
 * request it sent (retries, the 401 replay and redirect hops each get their own, with
 * `http.request.resend_count`), and one per token acquisition and token endpoint exchange. Attributes follow
 * the HTTP client semantic conventions (`http.request.method`, `server.address`, `server.port`, `url.full` as
 * redacted by the pipeline, `http.response.status_code`, `error.type`) plus `attache.*` ones: the
 * authenticators, the send reason, the retry reason, replay, the token origin (memory, store, network).
 *
 * Metrics: `attache.client.call.duration` and `http.client.request.duration` (s), `attache.token.fetches`,
 * `attache.token.refresh_failures`, `attache.retries`, `attache.replays`, `attache.credentials.withheld`,
 * `attache.mtls.reload_failures`, `attache.token_store.unavailable`.
 *
 * @example
 * ```ts
 * const telemetry = attacheTelemetry();
 * const client = createClient({
 *   baseUrl: 'https://api.partner.example',
 *   auth: [telemetry.propagation, clientCredentialsAuth({ ... }), hmacAuth({ ... })],
 *   onEvent: telemetry.onEvent,
 * });
 * ```
 * @throws {ConfigError} when an option is not what it should be.
 */
export function attacheTelemetry(options: AttacheTelemetryOptions = {}): AttacheTelemetry {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('attacheTelemetry: options must be an object');
  for (const field of ['now'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'function') {
      throw new ConfigError(`attacheTelemetry: ${field} must be a function`);
    }
  }
  const name = options.instrumentationName ?? '@attache/otel';
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(name);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(name);
  const state: TelemetryState = {
    tracer,
    instruments: createInstruments(meter),
    now: options.now ?? Date.now,
    calls: new Map(),
    bound: new Map(),
  };
  const onEvent: AttacheEventListener = (event) => {
    try {
      recordEvent(state, event);
    } catch {
      // Telemetry must never break a call.
    }
  };
  onEvent.bindCall = (callId) => bindCallContext(state, callId, contextApi.active());
  return {
    onEvent,
    propagation: traceContextAuth(state, options.propagator),
  };
}
