import type { AttemptEndEvent, AttemptStartEvent } from '@attache/core';
import { SpanKind, trace } from '@opentelemetry/api';
import { ATTR } from './attributes.ts';
import {
  callOf,
  endSpan,
  outcomeAttributes,
  requestAttributes,
  type TelemetryState,
} from './telemetry-state.ts';

/** `attempt:start`: opens a `CLIENT` span under the call for one request sent. */
export function startAttempt(state: TelemetryState, event: AttemptStartEvent): void {
  const call = callOf(state, event.callId);
  if (call === undefined) return;
  // The caller's own hop has the call's method and server: parsed once per call, not per attempt.
  const attributes = event.hop === 0 ? call.attributes : requestAttributes(event.method, event.url);
  const started = state.now();
  const span = state.tracer.startSpan(
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
  if (event.reason === 'replay') state.instruments.replays.add(1, attributes);
}

/** `attempt:end`: ends the request's span and records its duration. */
export function endAttempt(state: TelemetryState, event: AttemptEndEvent): void {
  const call = callOf(state, event.callId);
  const attempt = call?.attempt;
  if (call === undefined || attempt === undefined) return;
  call.attempt = undefined;
  const end = state.now();
  const errorType = endSpan(attempt.span, event.status, event.error, end);
  state.instruments.requestDuration.record(
    (end - attempt.started) / 1000,
    outcomeAttributes(attempt.attributes, event.status, errorType),
  );
}
