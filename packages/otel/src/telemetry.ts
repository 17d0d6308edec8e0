import type { AttacheEvent, AttacheEventListener, Authenticator } from '@attache/core';
import { ConfigError } from '@attache/core';
import {
  type Attributes,
  type Context,
  context as contextApi,
  type MeterProvider,
  metrics,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type TextMapSetter,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { ATTR, serverOf } from './attributes.ts';
import { createInstruments, type Instruments } from './instruments.ts';

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

interface AttemptState {
  readonly span: Span;
  readonly context: Context;
  readonly started: number;
  readonly attributes: Attributes;
}

interface CallState {
  readonly span: Span;
  readonly context: Context;
  readonly started: number;
  readonly attributes: Attributes;
  attempt: AttemptState | undefined;
}

/** `http.request.method`, `server.address` and `server.port` of a request. */
function requestAttributes(method: string, url: string): Attributes {
  const server = serverOf(url);
  const attributes: Attributes = { [ATTR.httpRequestMethod]: method };
  if (server.address !== undefined) attributes[ATTR.serverAddress] = server.address;
  if (server.port !== undefined) attributes[ATTR.serverPort] = server.port;
  return attributes;
}

const headerSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

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
  const instruments: Instruments = createInstruments(meter);
  const propagator = options.propagator;
  const now = options.now ?? Date.now;
  const calls = new Map<string, CallState>();

  /** Where a span of this call belongs: under the open attempt, else under the call. */
  function parentOf(callId: string | undefined): Context | undefined {
    if (callId === undefined) return undefined;
    const call = calls.get(callId);
    return call?.attempt?.context ?? call?.context;
  }

  /** A span rebuilt from an event that says how long its work took. */
  function pastSpan(
    spanName: string,
    callId: string | undefined,
    durationMs: number,
    attributes: Attributes,
    failed?: string,
  ) {
    const end = now();
    const span = tracer.startSpan(
      spanName,
      { kind: SpanKind.INTERNAL, startTime: end - Math.max(0, durationMs), attributes },
      parentOf(callId) ?? contextApi.active(),
    );
    if (failed !== undefined) {
      span.setAttribute(ATTR.errorType, failed);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(end);
  }

  function endSpan(
    span: Span,
    status: number | undefined,
    error: string | undefined,
    end: number,
  ): string | undefined {
    let errorType = error;
    if (status !== undefined) {
      span.setAttribute(ATTR.httpResponseStatusCode, status);
      if (status >= 400) errorType = String(status);
    }
    if (errorType !== undefined) {
      span.setAttribute(ATTR.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(end);
    return errorType;
  }

  function onEvent(event: AttacheEvent): void {
    const callId = event.callId;
    switch (event.type) {
      case 'request:start': {
        if (callId === undefined) return;
        const attributes = requestAttributes(event.method, event.url);
        const started = now();
        // The call's parent is whatever span is active where the call was made: the event is delivered
        // synchronously, in the caller's context.
        const parent = contextApi.active();
        const span = tracer.startSpan(
          event.method,
          {
            kind: SpanKind.INTERNAL,
            startTime: started,
            attributes: { ...attributes, [ATTR.urlFull]: event.url },
          },
          parent,
        );
        calls.set(callId, {
          span,
          context: trace.setSpan(parent, span),
          started,
          attributes,
          attempt: undefined,
        });
        return;
      }
      case 'attempt:start': {
        const call = callId === undefined ? undefined : calls.get(callId);
        if (call === undefined) return;
        // The caller's own hop has the call's method and server: parsed once per call, not per attempt.
        const attributes = event.hop === 0 ? call.attributes : requestAttributes(event.method, event.url);
        const started = now();
        const span = tracer.startSpan(
          event.method,
          {
            kind: SpanKind.CLIENT,
            startTime: started,
            attributes: {
              ...attributes,
              [ATTR.urlFull]: event.url,
              // The conventions ask for it only on resends.
              ...(event.resendCount > 0 ? { [ATTR.httpResendCount]: event.resendCount } : {}),
              [ATTR.attempt]: event.attempt,
              [ATTR.hop]: event.hop,
              [ATTR.sendReason]: event.reason,
              [ATTR.replay]: event.reason === 'replay',
              [ATTR.credentials]: event.access,
              [ATTR.authSchemes]: [...event.authenticators],
              ...(event.retryReason === undefined ? {} : { [ATTR.retryReason]: event.retryReason }),
            },
          },
          call.context,
        );
        call.attempt = { span, context: trace.setSpan(call.context, span), started, attributes };
        if (event.reason === 'replay') instruments.replays.add(1, attributes);
        return;
      }
      case 'attempt:end': {
        const call = callId === undefined ? undefined : calls.get(callId);
        const attempt = call?.attempt;
        if (call === undefined || attempt === undefined) return;
        call.attempt = undefined;
        const end = now();
        const errorType = endSpan(attempt.span, event.status, event.error, end);
        instruments.requestDuration.record((end - attempt.started) / 1000, {
          ...attempt.attributes,
          ...(event.status === undefined ? {} : { [ATTR.httpResponseStatusCode]: event.status }),
          ...(errorType === undefined ? {} : { [ATTR.errorType]: errorType }),
        });
        return;
      }
      case 'request:end': {
        const call = callId === undefined ? undefined : calls.get(callId);
        if (callId !== undefined) calls.delete(callId);
        const end = now();
        const base: Attributes = call?.attributes ?? { [ATTR.httpRequestMethod]: event.method };
        let errorType: string | undefined;
        if (call !== undefined) {
          call.span.setAttribute(ATTR.attempts, event.attempts);
          errorType = endSpan(call.span, event.status, event.error, end);
        } else {
          errorType =
            event.error ??
            (event.status !== undefined && event.status >= 400 ? String(event.status) : undefined);
        }
        instruments.callDuration.record(event.durationMs / 1000, {
          ...base,
          ...(event.status === undefined ? {} : { [ATTR.httpResponseStatusCode]: event.status }),
          ...(errorType === undefined ? {} : { [ATTR.errorType]: errorType }),
        });
        return;
      }
      case 'retry:scheduled': {
        const reason = event.status === undefined ? event.reason : String(event.status);
        instruments.retries.add(1, { [ATTR.retryReason]: reason, [ATTR.httpRequestMethod]: event.method });
        const call = callId === undefined ? undefined : calls.get(callId);
        call?.span.addEvent('retry', { [ATTR.retryReason]: reason, 'attache.delay_ms': event.delayMs });
        return;
      }
      case 'token:acquired': {
        instruments.tokenFetches.add(1, { [ATTR.tokenOrigin]: event.source });
        pastSpan('attache token', callId, event.waitedMs ?? 0, {
          [ATTR.tokenOrigin]: event.source,
          [ATTR.tokenKey]: event.key,
        });
        return;
      }
      case 'token:request': {
        const server = serverOf(event.endpoint);
        pastSpan(
          'POST',
          callId,
          event.durationMs,
          {
            [ATTR.httpRequestMethod]: 'POST',
            [ATTR.urlFull]: event.endpoint,
            ...(server.address === undefined ? {} : { [ATTR.serverAddress]: server.address }),
            ...(event.status === undefined ? {} : { [ATTR.httpResponseStatusCode]: event.status }),
            [ATTR.tokenGrantType]: event.grantType,
            [ATTR.attempts]: event.attempts,
          },
          event.error,
        );
        return;
      }
      case 'token:refresh-failed':
        instruments.refreshFailures.add(1, {
          [ATTR.errorType]: event.error,
          'attache.token.still_valid': event.stillValid,
        });
        calls.get(callId ?? '')?.span.addEvent('token refresh failed', { [ATTR.errorType]: event.error });
        return;
      case 'challenge:handled':
        calls.get(callId ?? '')?.span.addEvent('challenge', {
          'attache.authenticator': event.authenticator,
          'attache.challenge.outcome': event.outcome,
          ...(event.error === undefined ? {} : { 'attache.challenge.error': event.error }),
        });
        return;
      case 'redirect:followed':
        calls.get(callId ?? '')?.span.addEvent('redirect', {
          [ATTR.httpResponseStatusCode]: event.status,
          'attache.redirect.credentials_dropped': event.credentialsDropped,
        });
        return;
      case 'credential:withheld':
        instruments.withheld.add(1, { [ATTR.withheldReason]: event.reason });
        calls.get(callId ?? '')?.span.addEvent('credentials withheld', {
          [ATTR.withheldReason]: event.reason,
          [ATTR.serverAddress]: serverOf(event.origin).address ?? '',
        });
        return;
      case 'mtls:reload-failed':
        instruments.mtlsReloadFailures.add(1);
        return;
      case 'store:unavailable':
        instruments.storeUnavailable.add(1, { 'attache.token_store.reason': event.reason });
        return;
      default:
        return;
    }
  }

  const traceContext: Authenticator = {
    name: 'trace-context',
    attach(draft, context) {
      const parent = parentOf(context.callId) ?? contextApi.active();
      if (propagator === undefined) propagation.inject(parent, draft.headers, headerSetter);
      else propagator.inject(parent, draft.headers, headerSetter);
    },
  };

  return {
    onEvent: (event) => {
      try {
        onEvent(event);
      } catch {
        // Telemetry must never break a call.
      }
    },
    propagation: traceContext,
  };
}
