import type {
  ChallengeHandledEvent,
  CredentialWithheldEvent,
  RedirectFollowedEvent,
  RequestEndEvent,
  RequestStartEvent,
  RetryScheduledEvent,
} from '@attache/core';
import { type Attributes, context as contextApi, SpanKind, trace } from '@opentelemetry/api';
import { ATTR, serverOf } from './attributes.ts';
import {
  callOf,
  endSpan,
  outcomeAttributes,
  requestAttributes,
  type TelemetryState,
  takeCallContext,
} from './telemetry-state.ts';

/** `request:start`: opens the call's `INTERNAL` span. */
export function startCall(state: TelemetryState, event: RequestStartEvent): void {
  const callId = event.callId;
  if (callId === undefined) return;
  const attributes = requestAttributes(event.method, event.url);
  const started = state.now();
  // The call's parent is whatever span is active where the call was made: `createFetch` delivers the event
  // synchronously, in the caller's context; `createClient` reaches here after ky's awaits, so it noted the
  // caller's context through `bindCall` where the call was made (in a browser nothing else carries it).
  const parent = takeCallContext(state, callId) ?? contextApi.active();
  const span = state.tracer.startSpan(
    event.method,
    { kind: SpanKind.INTERNAL, startTime: started, attributes: { ...attributes, [ATTR.urlFull]: event.url } },
    parent,
  );
  state.calls.set(callId, {
    span,
    context: trace.setSpan(parent, span),
    started,
    attributes,
    attempt: undefined,
  });
}

/** `request:end`: ends the call's span and records the call's duration. */
export function endCall(state: TelemetryState, event: RequestEndEvent): void {
  const callId = event.callId;
  const call = callOf(state, callId);
  if (callId !== undefined) state.calls.delete(callId);
  const end = state.now();
  const base: Attributes = call?.attributes ?? { [ATTR.httpRequestMethod]: event.method };
  let errorType: string | undefined;
  if (call !== undefined) {
    call.span.setAttribute(ATTR.attempts, event.attempts);
    errorType = endSpan(call.span, event.status, event.error, end);
  } else {
    errorType =
      event.error ?? (event.status !== undefined && event.status >= 400 ? String(event.status) : undefined);
  }
  state.instruments.callDuration.record(
    event.durationMs / 1000,
    outcomeAttributes(base, event.status, errorType),
  );
}

/** `retry:scheduled`: counted, and a `retry` event on the call's span. */
export function retryScheduled(state: TelemetryState, event: RetryScheduledEvent): void {
  const reason = event.status === undefined ? event.reason : String(event.status);
  state.instruments.retries.add(1, { [ATTR.retryReason]: reason, [ATTR.httpRequestMethod]: event.method });
  callOf(state, event.callId)?.span.addEvent('retry', {
    [ATTR.retryReason]: reason,
    'attache.delay_ms': event.delayMs,
  });
}

/** `challenge:handled`: a `challenge` event on the call's span. */
export function challengeHandled(state: TelemetryState, event: ChallengeHandledEvent): void {
  callOf(state, event.callId)?.span.addEvent('challenge', {
    'attache.authenticator': event.authenticator,
    'attache.challenge.outcome': event.outcome,
    ...(event.error === undefined ? {} : { 'attache.challenge.error': event.error }),
  });
}

/** `redirect:followed`: a `redirect` event on the call's span. */
export function redirectFollowed(state: TelemetryState, event: RedirectFollowedEvent): void {
  callOf(state, event.callId)?.span.addEvent('redirect', {
    [ATTR.httpResponseStatusCode]: event.status,
    'attache.redirect.credentials_dropped': event.credentialsDropped,
  });
}

/** `credential:withheld`: counted, and a `credentials withheld` event on the call's span. */
export function credentialWithheld(state: TelemetryState, event: CredentialWithheldEvent): void {
  state.instruments.withheld.add(1, { [ATTR.withheldReason]: event.reason });
  callOf(state, event.callId)?.span.addEvent('credentials withheld', {
    [ATTR.withheldReason]: event.reason,
    [ATTR.serverAddress]: serverOf(event.origin).address ?? '',
  });
}
