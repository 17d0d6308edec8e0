import type { Clock } from '../clock.ts';
import type { AttacheEvent, AttacheEventListener } from '../events.ts';
import type { Secret } from '../secret.ts';

/**
 * What a token endpoint answered, as `fetchToken` hands it to {@link createTokenSource}. Field names are
 * camel-cased; map your endpoint's JSON onto them (`access_token` → `accessToken`, and so on).
 */
export interface TokenResponse {
  /** The token to send. A `Secret` keeps it from being printed by accident. */
  readonly accessToken: string | Secret;
  /** The scheme word for `Authorization` (`token_type`). Default `Bearer`; `bearer` is sent as `Bearer`. */
  readonly tokenType?: string | undefined;
  /**
   * Seconds the token lives (`expires_in`), counted from when the request was sent. A number or a numeric
   * string; zero, negative and non-numeric values are refused with a {@link TokenResponseError}. When
   * absent, the JWT `exp` claim is used, then `defaultLifetime`.
   */
  readonly expiresIn?: number | string | null | undefined;
  /** Seconds after which the server suggests refreshing (`refresh_in`): replaces the randomized point. */
  readonly refreshIn?: number | string | null | undefined;
  /**
   * The token response's `Date` header. It teaches the difference between the server's clock and ours, used
   * to read a JWT `exp` on our clock.
   */
  readonly serverDate?: string | null | undefined;
  /** Anything else worth keeping from the response (granted `scope`, ids); handed out as `Token.extra`. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

/** What `fetchToken` is given. */
export interface FetchTokenContext {
  /**
   * Aborts when the fetch exceeds `fetchTimeout`. Pass it to your `fetch`. A caller giving up does not abort
   * it: other callers may be waiting for the same token.
   */
  readonly signal: AbortSignal;
  /** The source's time source, in epoch ms. */
  now(): number;
  /** The cache key the token is fetched for. */
  readonly key: string;
  /**
   * The clock of the client whose call asked for the token (corrected by the offset it learned from the
   * partner), for assertion and proof times; a `LearningClock` may be taught by the token endpoint's `Date`.
   */
  readonly clock: Clock;
  /**
   * The source's random source in [0, 1) (its `random` option), for jitter in the fetch's own retries, so
   * a test that fixes it fixes every random wait.
   */
  random(): number;
  /**
   * Emits an event (e.g. `token:request`) to the source's `onEvent` and to the listener of the call that
   * started this fetch. Never put a credential in it.
   */
  emit(event: AttacheEvent): void;
}

/** Fetches a new token from the token (or login) endpoint. Throw a `TokenAcquisitionError` on failure. */
export type FetchToken = (context: FetchTokenContext) => Promise<TokenResponse>;

/** A token handed out by a {@link TokenSource}. Times are local epoch milliseconds. */
export interface Token {
  /** The token. `value.reveal()` gives the string to send. */
  readonly value: Secret;
  /** The scheme word, e.g. `Bearer`. */
  readonly type: string;
  /** When the token was requested. */
  readonly issuedAt: number;
  /** When the token expires. */
  readonly expiresAt: number;
  /** When a background refresh starts (randomized within `refreshWindow`, or the server's `refresh_in`). */
  readonly refreshAt: number;
  /** `TokenResponse.extra`, or `{}`. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Options of {@link TokenSource.get}. */
export interface GetTokenOptions {
  /** Stops waiting (rejecting with the signal's reason); the shared fetch goes on for the others. */
  readonly signal?: AbortSignal | undefined;
  /** Also receives the events this call causes (`tokenAuth` passes the pipeline's sink). */
  readonly onEvent?: AttacheEventListener | undefined;
  /** The calling client's clock (`tokenAuth` passes the pipeline's): one clock per client. */
  readonly clock?: Clock | undefined;
}

/**
 * Hands out a valid token and owns its lifecycle. See {@link createTokenSource}.
 */
export interface TokenSource {
  /** The cache key. */
  readonly key: string;
  /**
   * A valid token: the cached one while it is fresh; the cached one plus a background refresh inside the
   * refresh window; a new one (waiting for the single shared fetch) when there is none or it is within
   * `expirySkew` of expiry.
   *
   * @throws {TokenAcquisitionError} when no valid token can be had; during the back-off after a failure this
   * is the last failure's error, at once, without a new fetch.
   */
  get(options?: GetTokenOptions): Promise<Token>;
  /**
   * Drops the cached token if, and only if, it is `token` (compared by value): call it with the token a
   * server rejected. A newer token is kept, so a late 401 for an old request costs nothing. With a store,
   * the stored entry is removed by compare-and-delete. Resolves to whether the token was dropped.
   */
  invalidate(token: Pick<Token, 'value'>): Promise<boolean>;
  /** The cached token if it has not expired, without fetching. */
  peek(): Token | undefined;
}
