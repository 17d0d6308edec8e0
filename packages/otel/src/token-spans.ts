import type { RefreshFailedEvent, TokenAcquiredEvent, TokenRequestEvent } from '@attache/core';
import { type Attributes, context as contextApi, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTR, serverOf } from './attributes.ts';
import { callOf, parentOf, type TelemetryState } from './telemetry-state.ts';

/** A span rebuilt from an event that says how long its work took, under the call's open request. */
function pastSpan(
  state: TelemetryState,
  spanName: string,
  callId: string | undefined,
  durationMs: number,
  attributes: Attributes,
  failed?: string,
): void {
  const end = state.now();
  const span = state.tracer.startSpan(
    spanName,
    { kind: SpanKind.INTERNAL, startTime: end - Math.max(0, durationMs), attributes },
    parentOf(state, callId) ?? contextApi.active(),
  );
  if (failed !== undefined) {
    span.setAttribute(ATTR.errorType, failed);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end(end);
}

/** `token:acquired`: counted by origin, and an `attache token` span. */
export function tokenAcquired(state: TelemetryState, event: TokenAcquiredEvent): void {
  state.instruments.tokenFetches.add(1, { [ATTR.tokenOrigin]: event.source });
  pastSpan(state, 'attache token', event.callId, event.waitedMs ?? 0, {
    [ATTR.tokenOrigin]: event.source,
    [ATTR.tokenKey]: event.key,
  });
}

/** `token:request`: a `POST` span for the token endpoint exchange. */
export function tokenRequest(state: TelemetryState, event: TokenRequestEvent): void {
  const server = serverOf(event.endpoint);
  pastSpan(
    state,
    'POST',
    event.callId,
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
}

/** `token:refresh-failed`: counted, and a `token refresh failed` event on the call's span. */
export function refreshFailed(state: TelemetryState, event: RefreshFailedEvent): void {
  state.instruments.refreshFailures.add(1, {
    [ATTR.errorType]: event.error,
    'attache.token.still_valid': event.stillValid,
  });
  callOf(state, event.callId)?.span.addEvent('token refresh failed', { [ATTR.errorType]: event.error });
}
