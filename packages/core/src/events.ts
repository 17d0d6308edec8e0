/**
 * Every event of every `@attache/*` package: the pipeline, token sources, OAuth token requests, mTLS credential
 * reloads and token stores. One listener (the client's `onEvent`) can take them all. URLs are redacted, and no
 * event carries a credential.
 */
export type AttacheEvent =
  | RequestStartEvent
  | RequestEndEvent
  | AttemptStartEvent
  | AttemptEndEvent
  | RetryScheduledEvent
  | TokenAcquiredEvent
  | RefreshFailedEvent
  | TokenRequestEvent
  | ChallengeHandledEvent
  | RedirectFollowedEvent
  | CredentialWithheldEvent
  | MtlsEvent
  | TokenStoreEvent;

/** What every event may carry. */
export interface EventBase {
  /**
   * The call the event belongs to, the same for all events of one call (`request:start` to `request:end`).
   * Absent on events that belong to no call: a background reload, a store reconnecting, a listener given
   * straight to a token source.
   */
  readonly callId?: string;
}

/** A call entered the pipeline. */
export interface RequestStartEvent extends EventBase {
  readonly type: 'request:start';
  readonly method: string;
  readonly url: string;
}

/** A call left the pipeline, with a response or an error. */
export interface RequestEndEvent extends EventBase {
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

/**
 * One request is about to be sent: the first one of a call, a retry, the 401 replay, or a redirect hop. It is
 * emitted before the authenticators attach credentials, so a listener can start a span that they may
 * propagate (see `callId` on `AuthContext`).
 */
export interface AttemptStartEvent extends EventBase {
  readonly type: 'attempt:start';
  readonly method: string;
  readonly url: string;
  /** The attempt number (`AuthContext.attempt`): redirect hops keep it. */
  readonly attempt: number;
  /** How many redirects led to this hop: 0 for the caller's own request. */
  readonly hop: number;
  /** How many requests this call sent before this one, for any reason (HTTP `resend_count`). */
  readonly resendCount: number;
  /** Why this request is sent: the call's first, a transient-failure retry, the 401 replay, a redirect. */
  readonly reason: 'initial' | 'retry' | 'replay' | 'redirect';
  /** For a retry: what failed before (`network`, or the status as a string). */
  readonly retryReason?: string;
  /**
   * `credentials`: the authenticators run; `plain`: there are none; `withheld`: the origin is outside the
   * allow-list, so the request goes out bare.
   */
  readonly access: 'credentials' | 'plain' | 'withheld';
  /** The names of the authenticators that attach to this request, in order (empty unless `credentials`). */
  readonly authenticators: readonly string[];
}

/** The request announced by the last `attempt:start` got an answer, or failed. */
export interface AttemptEndEvent extends EventBase {
  readonly type: 'attempt:end';
  readonly attempt: number;
  readonly hop: number;
  readonly resendCount: number;
  /** The answer's status, absent when there is none. */
  readonly status?: number;
  /** The error's `code` (`NETWORK`, `TOKEN_ACQUISITION` ... or `ABORTED`), absent on an answer. */
  readonly error?: string;
  /** From `attempt:start` to the answer's headers (or the failure), in ms. */
  readonly durationMs: number;
}

/** A transient failure will be retried after `delayMs`. */
export interface RetryScheduledEvent extends EventBase {
  readonly type: 'retry:scheduled';
  readonly method: string;
  readonly url: string;
  readonly reason: 'status' | 'network';
  readonly status?: number;
  readonly attempt: number;
  readonly delayMs: number;
}

/** A token source handed out a token. `source` says where it came from. */
export interface TokenAcquiredEvent extends EventBase {
  readonly type: 'token:acquired';
  readonly source: 'network' | 'memory' | 'store';
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly key: string;
  /** How long the call waited for the token, in ms, when a call asked for it (`tokenAuth` measures it). */
  readonly waitedMs?: number;
}

/** A token fetch failed; the next attempt waits `retryInMs`. */
export interface RefreshFailedEvent extends EventBase {
  readonly type: 'token:refresh-failed';
  readonly key: string;
  readonly error: string;
  readonly retryInMs: number;
  /** True when a still-valid token keeps being served. */
  readonly stillValid: boolean;
}

/** A 401 (or other challenge) was answered by an authenticator. */
export interface ChallengeHandledEvent extends EventBase {
  readonly type: 'challenge:handled';
  readonly authenticator: string;
  readonly status: number;
  /** The `error` parameter of the challenge, e.g. `invalid_token`. */
  readonly error?: string;
  readonly outcome: 'replay' | 'fail';
}

/** A redirect was followed. `credentialsDropped` is true on a change of origin. */
export interface RedirectFollowedEvent extends EventBase {
  readonly type: 'redirect:followed';
  readonly status: number;
  readonly from: string;
  readonly to: string;
  readonly credentialsDropped: boolean;
}

/** Credentials were not attached because the target origin is not allowed. */
export interface CredentialWithheldEvent extends EventBase {
  readonly type: 'credential:withheld';
  readonly origin: string;
  /**
   * `origin-not-allowed`: the call itself was refused; `redirect`: a redirect hop was sent without credentials;
   * `redirect-not-followed`: the transport presents credentials itself (mTLS), so the redirect was returned.
   */
  readonly reason: 'origin-not-allowed' | 'redirect' | 'redirect-not-followed';
}

/**
 * A token endpoint exchange ended (`@attache/oauth-cc`): one per token request, its own transient retries
 * included. `endpoint` is the token endpoint URL (never a credential).
 */
export interface TokenRequestEvent extends EventBase {
  readonly type: 'token:request';
  readonly endpoint: string;
  /** The `grant_type` sent, e.g. `client_credentials`. */
  readonly grantType: string;
  /** The token endpoint's last status, absent when no answer came. */
  readonly status?: number;
  /** The error's code when the exchange failed: the OAuth `error` (e.g. `invalid_client`) or an Attaché code. */
  readonly error?: string;
  /** How many requests went to the endpoint (its transient retries included). */
  readonly attempts: number;
  readonly durationMs: number;
}

/** Public facts about a client certificate (never the key). */
export interface ClientCertificateInfo {
  /** Subject distinguished name, e.g. `CN=acme-payments`. */
  readonly subject: string;
  /** Issuer distinguished name. */
  readonly issuer: string;
  /** Serial number, hex. */
  readonly serialNumber: string;
  /** Start of validity, ISO 8601. */
  readonly notBefore: string;
  /** End of validity, ISO 8601. */
  readonly notAfter: string;
  /** RFC 8705 `x5t#S256` thumbprint. */
  readonly thumbprint: string;
}

/**
 * `@attache/mtls-node`'s events. No event carries a key or a passphrase.
 *
 * - `mtls:credentials-loaded`: a new agent (generation) now serves new connections; `trigger` says why.
 * - `mtls:reload-failed`: a reload check found new material that cannot be used; the previous credentials
 *   stay in use and the check is repeated after `reloadInterval`.
 * - `mtls:agent-closed`: a retired agent finished its in-flight requests and closed its connections.
 */
export type MtlsEvent =
  | MtlsCredentialsLoadedEvent
  | MtlsCertificateNotValidEvent
  | MtlsReloadFailedEvent
  | MtlsAgentClosedEvent;

/**
 * The client certificate just loaded is expired or not yet valid on this machine's clock; it is used anyway
 * (the server decides, and clocks differ), but partners will refuse it.
 */
export interface MtlsCertificateNotValidEvent extends EventBase {
  readonly type: 'mtls:certificate-not-valid';
  /** The generation that loaded it. */
  readonly generation: number;
  readonly reason: 'expired' | 'not-yet-valid';
  /** Start of validity, ISO 8601. */
  readonly notBefore: string;
  /** End of validity, ISO 8601. */
  readonly notAfter: string;
  /** The clock reading it was judged against, ISO 8601. */
  readonly checkedAt: string;
  readonly certificate: ClientCertificateInfo;
}

/** A new client certificate (agent generation) serves new connections. */
export interface MtlsCredentialsLoadedEvent extends EventBase {
  readonly type: 'mtls:credentials-loaded';
  readonly generation: number;
  readonly trigger: 'initial' | 'interval' | 'manual' | 'rejected';
  /** The client certificate now in use, when there is one (PKCS#12 details may be unavailable). */
  readonly certificate: ClientCertificateInfo | undefined;
}

/** New client certificate material could not be used; the previous generation stays in use. */
export interface MtlsReloadFailedEvent extends EventBase {
  readonly type: 'mtls:reload-failed';
  /** The generation that stays in use. */
  readonly generation: number;
  /** A `TlsError` or `ConfigError` whose message names the problem, never the key or passphrase. */
  readonly error: Error;
}

/** A retired agent finished its in-flight requests and closed its connections. */
export interface MtlsAgentClosedEvent extends EventBase {
  readonly type: 'mtls:agent-closed';
  readonly generation: number;
}

/**
 * A shared token store's events (`@attache/token-store-redis`). None carries a token, an encryption key or a
 * password.
 */
export type TokenStoreEvent =
  | StoreUnavailableEvent
  | StoreAvailableEvent
  | StoreEntryRejectedEvent
  | StoreLockBypassedEvent;

/** Why a store could not be used. */
export type StoreUnavailableReason = 'disconnected' | 'timeout' | 'command-failed';

/**
 * The store could not be used: the connection was lost or never came up (`disconnected`), a command took
 * longer than its timeout (`timeout`), or the server answered a command with an error (`command-failed`).
 * Token sources then fetch tokens on their own, so calls go on. Emitted once per outage (and once per failed
 * command for `command-failed`), not once per call.
 */
export interface StoreUnavailableEvent extends EventBase {
  readonly type: 'store:unavailable';
  readonly store: 'redis';
  readonly reason: StoreUnavailableReason;
  /**
   * A short code when there is one: a socket error (`ECONNREFUSED`) or the first word of the server's error
   * (`OOM`, `NOAUTH`, `READONLY`). Never the error's message, which can echo command arguments.
   */
  readonly code?: string;
}

/** The store answers again after an outage: the fleet shares tokens again. */
export interface StoreAvailableEvent extends EventBase {
  readonly type: 'store:available';
  readonly store: 'redis';
  /** How long the store was unavailable, in milliseconds. */
  readonly unavailableMs: number;
}

/**
 * A stored entry was treated as absent, never handed out: it could not be decrypted with any configured key
 * (`undecryptable`), is not an entry a token source wrote (`malformed`), or holds a value that cannot be sent
 * in a header (`unsafe-value`). Emitted once per distinct entry.
 */
export interface StoreEntryRejectedEvent extends EventBase {
  readonly type: 'store:entry-rejected';
  readonly store: 'redis';
  /** The token source's cache key (never secret: it is printed in the source's events too). */
  readonly key: string;
  readonly reason: 'undecryptable' | 'malformed' | 'unsafe-value';
}

/**
 * A store lock without an expiry, or held longer than `lockTtl`, was bypassed: this process fetched without
 * it, so no caller waits longer than `lockTtl`.
 */
export interface StoreLockBypassedEvent extends EventBase {
  readonly type: 'store:lock-bypassed';
  readonly store: 'redis';
  /** The token source's cache key. */
  readonly key: string;
  readonly reason: 'no-expiry' | 'held-too-long';
  /** How long this process had been waiting for the lock, in ms (0 for `no-expiry`). */
  readonly waitedMs: number;
}

/**
 * Something outside a call that reports events of its own, such as a transport that reloads its client
 * certificate, or a Redis token store (and the token sources and authenticators that hold one). When a client
 * with an `onEvent` is given one as its `transport` or among its `auth`, it subscribes its listener, so those
 * events join the client's stream (without a `callId`). The listener itself is handed over: a source should
 * call a listener added several times once per event, and keep it until every subscription that added it was
 * removed. A client removes its subscriptions once it is garbage-collected, so a long-lived source does not
 * keep the listener of every client ever made.
 */
export interface AttacheEventSource {
  /** Adds a listener; returns what removes this subscription (once). */
  subscribe(listener: AttacheEventListener): () => void;
}

/**
 * Receives every {@link AttacheEvent}. Exceptions thrown by a listener are swallowed.
 *
 * A listener that needs the context a call was made in (an OpenTelemetry context in a browser, where no async
 * context follows a call across awaits) may carry `bindCall`: `createClient` calls it synchronously where the
 * call is made, before ky's own awaits, with the `callId` the call's events will carry. `createFetch` needs no
 * such hook: its `request:start` is emitted synchronously, in the caller's context.
 */
export type AttacheEventListener = ((event: AttacheEvent) => void) & {
  bindCall?(callId: string): void;
};
