/**
 * Events the pipeline and token sources emit through `onEvent`. URLs are redacted, and no event carries a
 * credential.
 */
export type AttacheEvent =
  | RequestStartEvent
  | RequestEndEvent
  | RetryScheduledEvent
  | TokenAcquiredEvent
  | RefreshFailedEvent
  | ChallengeHandledEvent
  | RedirectFollowedEvent
  | CredentialWithheldEvent;

/** A call entered the pipeline. */
export interface RequestStartEvent {
  readonly type: 'request:start';
  readonly method: string;
  readonly url: string;
}

/** A call left the pipeline, with a response or an error. */
export interface RequestEndEvent {
  readonly type: 'request:end';
  readonly method: string;
  readonly url: string;
  /** The final status, absent when the call ended in an error. */
  readonly status?: number;
  /** The error's `code` (or `ABORTED`), absent on a response. */
  readonly error?: string;
  readonly durationMs: number;
  /** How many times the request was sent (retries and the 401 replay included). */
  readonly attempts: number;
}

/** A transient failure will be retried after `delayMs`. */
export interface RetryScheduledEvent {
  readonly type: 'retry:scheduled';
  readonly method: string;
  readonly url: string;
  readonly reason: 'status' | 'network';
  readonly status?: number;
  readonly attempt: number;
  readonly delayMs: number;
}

/** A token source handed out a token. `source` says where it came from. */
export interface TokenAcquiredEvent {
  readonly type: 'token:acquired';
  readonly source: 'network' | 'memory' | 'store';
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly key: string;
}

/** A token fetch failed; the next attempt waits `retryInMs`. */
export interface RefreshFailedEvent {
  readonly type: 'token:refresh-failed';
  readonly key: string;
  readonly error: string;
  readonly retryInMs: number;
  /** True when a still-valid token keeps being served. */
  readonly stillValid: boolean;
}

/** A 401 (or other challenge) was answered by an authenticator. */
export interface ChallengeHandledEvent {
  readonly type: 'challenge:handled';
  readonly authenticator: string;
  readonly status: number;
  /** The `error` parameter of the challenge, e.g. `invalid_token`. */
  readonly error?: string;
  readonly outcome: 'replay' | 'fail';
}

/** A redirect was followed. `credentialsDropped` is true on a change of origin. */
export interface RedirectFollowedEvent {
  readonly type: 'redirect:followed';
  readonly status: number;
  readonly from: string;
  readonly to: string;
  readonly credentialsDropped: boolean;
}

/** Credentials were not attached because the target origin is not allowed. */
export interface CredentialWithheldEvent {
  readonly type: 'credential:withheld';
  readonly origin: string;
  readonly reason: 'origin-not-allowed' | 'redirect';
}

/** Receives every {@link AttacheEvent}. Exceptions thrown by a listener are swallowed. */
export type AttacheEventListener = (event: AttacheEvent) => void;

/**
 * The old name of {@link AttacheEventListener}.
 *
 * @deprecated Use {@link AttacheEventListener}: this name shadows the DOM's global `EventListener` in any
 * file that imports it.
 */
export type EventListener = AttacheEventListener;
