import type { AttacheEvent } from '@attache/core';
import { endAttempt, startAttempt } from './attempt-spans.ts';
import {
  challengeHandled,
  credentialWithheld,
  endCall,
  redirectFollowed,
  retryScheduled,
  startCall,
} from './call-spans.ts';
import type { TelemetryState } from './telemetry-state.ts';
import { refreshFailed, tokenAcquired, tokenRequest } from './token-spans.ts';

/** Records one event: the spans and metrics of its family. Events telemetry has no use for are ignored. */
export function recordEvent(state: TelemetryState, event: AttacheEvent): void {
  switch (event.type) {
    case 'request:start':
      startCall(state, event);
      return;
    case 'request:end':
      endCall(state, event);
      return;
    case 'attempt:start':
      startAttempt(state, event);
      return;
    case 'attempt:end':
      endAttempt(state, event);
      return;
    case 'retry:scheduled':
      retryScheduled(state, event);
      return;
    case 'challenge:handled':
      challengeHandled(state, event);
      return;
    case 'redirect:followed':
      redirectFollowed(state, event);
      return;
    case 'credential:withheld':
      credentialWithheld(state, event);
      return;
    case 'token:acquired':
      tokenAcquired(state, event);
      return;
    case 'token:request':
      tokenRequest(state, event);
      return;
    case 'token:refresh-failed':
      refreshFailed(state, event);
      return;
    case 'mtls:reload-failed':
      state.instruments.mtlsReloadFailures.add(1);
      return;
    case 'store:unavailable':
      state.instruments.storeUnavailable.add(1, { 'attache.token_store.reason': event.reason });
      return;
    default:
      return;
  }
}
