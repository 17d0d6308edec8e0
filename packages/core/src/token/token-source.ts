import type { Clock } from '../clock.ts';
import { raceSignal, sleep } from '../deadline.ts';
import { ConfigError, isAttacheError, TimeoutError, TokenAcquisitionError } from '../errors.ts';
import type { AttacheEvent, AttacheEventListener } from '../events.ts';
import { forwardEvents } from '../forward-events.ts';
import { headerValueProblem } from '../header-value.ts';
import { Secret } from '../secret.ts';
import { clockOffsetFrom, parseSeconds, resolveLifetime } from './lifetime.ts';
import { type HeldToken, type KeyState, privateState, sharedState } from './token-registry.ts';
import { TokenResponseError } from './token-response-error.ts';
import {
  parseRecord,
  type StoredTokenRecord,
  serializeRecord,
  type TokenStore,
  type TokenStoreLock,
} from './token-store.ts';

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

/**
 * Options of {@link createTokenSource}. Times are milliseconds.
 *
 * @example
 * ```ts
 * const options: TokenSourceOptions = {
 *   key: tokenCacheKey({ tokenEndpoint: 'https://partner.example/login', clientId: 'robot-7' }),
 *   expirySkew: 60_000,
 *   onEvent: (event) => console.log(event.type),
 * };
 * ```
 */
export interface TokenSourceOptions {
  /**
   * The cache key. Every source in the process built with the same key shares one token, one in-flight
   * fetch and one back-off, so the key must identify the credentials and what they ask for (endpoint, client
   * id, scope, audience, resource: see `tokenCacheKey`). It is printed in events: never put a secret in it.
   * Default: a key private to this source (nothing shared).
   */
  readonly key?: string;
  /**
   * Within this much of expiry, callers wait for a new token instead of using the current one. Capped at
   * `(1 − refreshWindow[1]) × lifetime` so a short-lived token still has a background refresh window and is
   * never treated as expired on arrival. Default `30_000`.
   */
  readonly expirySkew?: number;
  /** Lifetime of a token whose response has neither `expires_in` nor a JWT `exp`. Default `300_000`. */
  readonly defaultLifetime?: number;
  /**
   * Fractions of the lifetime between which the background refresh point is picked at random, per token,
   * so a fleet does not refresh in lock-step. A server `refresh_in` replaces it. Default `[0.75, 0.85]`.
   */
  readonly refreshWindow?: readonly [number, number];
  /** Longest wait between failed attempts; waits go 1 s, 2 s, 4 s … up to this. Default `30_000`. */
  readonly maxBackoff?: number;
  /** Abort a token fetch that takes longer than this (`false`: never). Default `30_000`. */
  readonly fetchTimeout?: number | false;
  /**
   * `false`: this source keeps its token to itself instead of sharing it with every source of the same `key`
   * in the process (the `key` still names the store entry). For sources made per connected account, so their
   * memory goes when they do. Default `true`.
   */
  readonly shareInProcess?: boolean;
  /** Shares tokens between processes. Default: none (tokens are shared inside this process by `key`). */
  readonly store?: TokenStore;
  /** How long a store lock is held at most. Default: `fetchTimeout`, or `30_000`. */
  readonly lockTtl?: number;
  /** While another process holds the store lock, how often the store is read again. Default `250`. */
  readonly lockPollInterval?: number;
  /** Time source in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Random source in [0, 1), for the refresh point. Default `Math.random`. */
  readonly random?: () => number;
  /** Receives `token:acquired` and `token:refresh-failed` events. Never carries a token. */
  readonly onEvent?: AttacheEventListener;
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

const DEFAULTS = {
  expirySkew: 30_000,
  defaultLifetime: 300_000,
  refreshWindow: [0.75, 0.85] as const,
  maxBackoff: 30_000,
  fetchTimeout: 30_000,
  lockPollInterval: 250,
} as const;
const FIRST_BACKOFF = 1_000;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NO_LOCK = Symbol('no lock support');

function checkDuration(value: unknown, field: string, allowZero: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigError(
      `createTokenSource: ${field} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms, got ${String(value)}`,
    );
  }
}

function checkOptions(fetchToken: unknown, options: TokenSourceOptions): void {
  if (typeof fetchToken !== 'function')
    throw new ConfigError('createTokenSource: fetchToken must be a function');
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('createTokenSource: options must be an object');
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key.length === 0)) {
    throw new ConfigError('createTokenSource: key must be a non-empty string');
  }
  checkDuration(options.expirySkew, 'expirySkew', true);
  checkDuration(options.defaultLifetime, 'defaultLifetime', false);
  checkDuration(options.maxBackoff, 'maxBackoff', false);
  if (options.fetchTimeout !== false) checkDuration(options.fetchTimeout, 'fetchTimeout', false);
  checkDuration(options.lockTtl, 'lockTtl', false);
  checkDuration(options.lockPollInterval, 'lockPollInterval', false);
  const window = options.refreshWindow;
  if (window !== undefined) {
    const [low, high] = Array.isArray(window) ? window : [];
    if (
      window.length !== 2 ||
      typeof low !== 'number' ||
      typeof high !== 'number' ||
      !(low > 0) ||
      !(low <= high) ||
      !(high < 1)
    ) {
      throw new ConfigError('createTokenSource: refreshWindow must be [low, high] with 0 < low <= high < 1');
    }
  }
  for (const field of ['now', 'random', 'onEvent'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'function') {
      throw new ConfigError(`createTokenSource: ${field} must be a function`);
    }
  }
  const store = options.store;
  if (store !== undefined) {
    if (
      typeof store !== 'object' ||
      store === null ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function' ||
      (store.acquireLock !== undefined && typeof store.acquireLock !== 'function')
    ) {
      throw new ConfigError(
        'createTokenSource: store must implement get, set and delete (and optionally acquireLock)',
      );
    }
    if (options.key === undefined)
      throw new ConfigError('createTokenSource: key is required with a store (it names the entry)');
  }
}

function revealAccessToken(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Secret) return value.reveal();
  // A Secret from another copy of the package.
  const reveal = (value as { reveal?: unknown } | null | undefined)?.reveal;
  if (typeof reveal === 'function') {
    const revealed: unknown = reveal.call(value);
    return typeof revealed === 'string' ? revealed : undefined;
  }
  return undefined;
}

function normalizeTokenType(type: unknown): string {
  if (type === undefined || type === null || type === '') return 'Bearer';
  if (typeof type !== 'string' || !TOKEN.test(type)) {
    throw new TokenResponseError(
      'token_type',
      'Token response field token_type is not a valid authentication scheme',
    );
  }
  // RFC 6749 §5.1: token_type is case-insensitive; some resource servers only accept the canonical spelling.
  const lower = type.toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'dpop') return 'DPoP';
  return type;
}

/** Why a fetch failed, for events: an RFC 6749 error code or a status, never a message (it could carry data). */
function describeFailure(error: TokenAcquisitionError): string {
  if (error.error !== undefined) return error.error;
  if (error.status !== undefined) return `HTTP ${error.status}`;
  const cause = error.cause;
  if (isAttacheError(cause)) return cause.code;
  return error.code;
}

function emptyExtra(): Readonly<Record<string, unknown>> {
  return Object.freeze({});
}

/**
 * Creates a token source: it calls `fetchToken` when a token is needed and owns the token's lifecycle.
 *
 * - **Single flight**: at most one fetch per cache key is in flight in the process, shared by every caller
 *   and every source built with the same `key`.
 * - **Two stages**: past a randomized point between 75 % and 85 % of the lifetime (or the server's
 *   `refresh_in`), a background refresh starts and callers keep the current token; within `expirySkew` of
 *   expiry, callers wait for the new one. Expiry is checked when a token is asked for: no timers.
 * - **Failure**: a failed refresh keeps a still-valid token; the next attempts wait 1 s, 2 s, 4 s … up to
 *   `maxBackoff`, one at a time. With no valid token, callers inside the back-off get the last
 *   `TokenAcquisitionError` at once. A 429 or 5xx is a retryable failure, never "credentials invalid".
 * - **Invalidation**: `invalidate(token)` only drops that exact token.
 * - **Lifetimes**: `expires_in`, else the JWT `exp` (read on our clock using the server's `Date`), else
 *   `defaultLifetime`.
 * - **Store**: an optional {@link TokenStore} shares tokens between processes, with a lock so one fetches.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const source = createTokenSource(
 *   async ({ signal }) => {
 *     const response = await fetch('https://partner.example/login', {
 *       method: 'POST',
 *       headers: { 'content-type': 'application/json' },
 *       body: JSON.stringify({ username: 'robot-7', password: password.reveal() }),
 *       signal,
 *     });
 *     if (!response.ok) throw new TokenAcquisitionError('Login failed', { status: response.status });
 *     const body = (await response.json()) as { token: string; expires_in: number };
 *     return { accessToken: secret(body.token), expiresIn: body.expires_in, serverDate: response.headers.get('date') };
 *   },
 *   { key: tokenCacheKey({ tokenEndpoint: 'https://partner.example/login', clientId: 'robot-7' }) },
 * );
 * const fetch = createFetch({ baseUrl: 'https://partner.example', auth: tokenAuth({ source }) });
 * ```
 */
export function createTokenSource(fetchToken: FetchToken, options: TokenSourceOptions = {}): TokenSource {
  checkOptions(fetchToken, options);
  const key = options.key;
  const state: KeyState =
    key === undefined || options.shareInProcess === false ? privateState() : sharedState(key);
  const cacheKey = key ?? 'private';
  const expirySkew = options.expirySkew ?? DEFAULTS.expirySkew;
  const defaultLifetime = options.defaultLifetime ?? DEFAULTS.defaultLifetime;
  const [low, high] = options.refreshWindow ?? DEFAULTS.refreshWindow;
  const maxBackoff = options.maxBackoff ?? DEFAULTS.maxBackoff;
  const fetchTimeout = options.fetchTimeout ?? DEFAULTS.fetchTimeout;
  const store = options.store;
  const lockTtl = options.lockTtl ?? (fetchTimeout === false ? DEFAULTS.fetchTimeout : fetchTimeout);
  const lockPollInterval = options.lockPollInterval ?? DEFAULTS.lockPollInterval;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const listener = options.onEvent;
  // Identifies this source as the creator of the tokens it fetched, for the `source` of its events.
  const self = {};
  // Tokens this source already announced with `token:acquired`: one event per token per source.
  const announced = new WeakSet<HeldToken>();

  function emit(event: AttacheEvent, sink: AttacheEventListener | undefined): void {
    for (const target of sink === listener ? [listener] : [listener, sink]) {
      if (target === undefined) continue;
      try {
        target(event);
      } catch {
        // A faulty listener must not break token acquisition.
      }
    }
  }

  /**
   * The point from which callers wait for a new token. The skew is capped at the part of the lifetime after
   * the refresh window, so a short-lived token still has a window and is not "expired" on arrival.
   */
  function waitPoint(issuedAt: number, expiresAt: number): number {
    return expiresAt - Math.min(expirySkew, (expiresAt - issuedAt) * (1 - high));
  }

  function hardLimit(token: Token): number {
    return waitPoint(token.issuedAt, token.expiresAt);
  }

  function refreshPoint(issuedAt: number, expiresAt: number, refreshIn: number | undefined): number {
    const lifetime = expiresAt - issuedAt;
    const planned =
      refreshIn !== undefined
        ? issuedAt + refreshIn
        : issuedAt + Math.round(lifetime * (low + random() * (high - low)));
    return Math.min(planned, waitPoint(issuedAt, expiresAt));
  }

  function makeHeld(
    record: StoredTokenRecord,
    entry: string | undefined,
    origin: HeldToken['origin'],
  ): HeldToken {
    const token: Token = Object.freeze({
      value: new Secret(record.accessToken),
      type: record.tokenType,
      issuedAt: record.issuedAt,
      expiresAt: record.expiresAt,
      refreshAt: refreshPoint(record.issuedAt, record.expiresAt, record.refreshIn),
      extra: record.extra ?? emptyExtra(),
    });
    return { token, entry, creator: self, origin };
  }

  function handOut(held: HeldToken, sink: AttacheEventListener | undefined): Token {
    if (!announced.has(held)) {
      announced.add(held);
      emit(
        {
          type: 'token:acquired',
          source: held.creator === self ? held.origin : 'memory',
          expiresAt: held.token.expiresAt,
          key: cacheKey,
        },
        sink,
      );
    }
    return held.token;
  }

  function recordFromResponse(
    response: TokenResponse,
    requestedAt: number,
    receivedAt: number,
  ): StoredTokenRecord {
    if (typeof response !== 'object' || response === null) {
      throw new TokenAcquisitionError(`fetchToken for ${cacheKey} did not resolve to a token response`, {
        retryable: false,
      });
    }
    const accessToken = revealAccessToken(response.accessToken);
    if (accessToken === undefined || accessToken.length === 0) {
      throw new TokenResponseError('access_token', 'Token response has no access token');
    }
    const problem = headerValueProblem(accessToken);
    if (problem !== undefined) {
      // Never quoted: the message says what is wrong, not what the token is.
      throw new TokenResponseError('access_token', `The access token ${problem}; it cannot be sent`);
    }
    const tokenType = normalizeTokenType(response.tokenType);
    // The response's own Date wins; without one, the offset the caller's client already learned from the
    // partner (its one clock) judges a JWT `exp`.
    const learned = clockOffsetFrom(response.serverDate, receivedAt);
    if (learned !== undefined) state.clockOffset = learned;
    else if (state.clock !== undefined) state.clockOffset = state.clock.offset;
    const { expiresAt } = resolveLifetime({
      accessToken,
      expiresIn: response.expiresIn,
      requestedAt,
      receivedAt,
      clockOffset: state.clockOffset,
      defaultLifetime,
    });
    const refreshIn = parseSeconds(response.refreshIn, 'refresh_in');
    return {
      version: 1,
      accessToken,
      tokenType,
      issuedAt: requestedAt,
      expiresAt,
      ...(refreshIn === undefined ? {} : { refreshIn: refreshIn * 1000 }),
      ...(response.extra === undefined ? {} : { extra: Object.freeze({ ...response.extra }) }),
    };
  }

  async function fetchFromNetwork(
    signal: AbortSignal,
    sink: AttacheEventListener | undefined,
  ): Promise<HeldToken> {
    const requestedAt = now();
    const clock = state.clock ?? { now: () => now() + state.clockOffset, offset: state.clockOffset };
    const response = await raceSignal(
      fetchToken({ signal, now, key: cacheKey, clock, emit: (event) => emit(event, sink) }),
      signal,
    );
    const record = recordFromResponse(response, requestedAt, now());
    let entry: string | undefined;
    if (store !== undefined) {
      entry = serializeRecord(record);
      const ttl = record.expiresAt - now();
      if (ttl > 0) {
        try {
          await store.set(cacheKey, entry, Math.ceil(ttl));
        } catch {
          // The token is good; the fleet just does not get it this time.
        }
      }
    }
    const held = makeHeld(record, entry, 'network');
    state.held = held;
    return held;
  }

  /** The stored token, unless it is absent, unreadable, expired or the one last rejected. */
  async function readStore(storage: TokenStore): Promise<HeldToken | undefined> {
    let entry: string | null | undefined;
    try {
      entry = await storage.get(cacheKey);
    } catch {
      return undefined;
    }
    if (typeof entry !== 'string') return undefined;
    // Same entry as the one held: keep its refresh point rather than drawing a new one.
    if (state.held !== undefined && state.held.entry === entry) return state.held;
    const record = parseRecord(entry);
    if (record === undefined || record.expiresAt <= now() || record.accessToken === state.rejected) {
      return undefined;
    }
    return makeHeld(record, entry, 'store');
  }

  function adopt(held: HeldToken): HeldToken {
    state.held = held;
    return held;
  }

  async function takeLock(storage: TokenStore): Promise<TokenStoreLock | null | typeof NO_LOCK> {
    if (storage.acquireLock === undefined) return NO_LOCK;
    try {
      return await storage.acquireLock(cacheKey, lockTtl);
    } catch {
      // A broken lock service must not stop token acquisition: fetch without the fleet's single flight.
      return NO_LOCK;
    }
  }

  async function fetchThroughStore(
    storage: TokenStore,
    signal: AbortSignal,
    sink: AttacheEventListener | undefined,
  ): Promise<HeldToken> {
    if (state.pendingDelete !== undefined) await state.pendingDelete;
    for (;;) {
      const stored = await readStore(storage);
      if (stored !== undefined && now() < stored.token.refreshAt) return adopt(stored);
      const lock = await takeLock(storage);
      if (lock === NO_LOCK) return fetchFromNetwork(signal, sink);
      if (lock !== null) {
        try {
          // Another process may have stored a token between the read and the lock.
          const again = await readStore(storage);
          if (again !== undefined && now() < again.token.refreshAt) return adopt(again);
          return await fetchFromNetwork(signal, sink);
        } finally {
          try {
            await lock.release();
          } catch {
            // The lock expires on its own.
          }
        }
      }
      // Another process is fetching. Keep a token that is not yet within expirySkew of expiry; without one,
      // wait for the other process's token to appear in the store.
      const t = now();
      const usable = [stored, state.held].find((held) => held !== undefined && t < hardLimit(held.token));
      if (usable !== undefined) {
        state.nextStoreCheck = t + lockPollInterval;
        return usable === stored ? adopt(usable) : usable;
      }
      await sleep(lockPollInterval, signal);
    }
  }

  function toAcquisitionError(error: unknown, signal: AbortSignal): TokenAcquisitionError {
    // By code rather than `instanceof`, so errors from another copy of the package pass through as is.
    if (isAttacheError(error) && error.code === 'TOKEN_ACQUISITION') return error as TokenAcquisitionError;
    if (signal.aborted && error === signal.reason) {
      return new TokenAcquisitionError(
        `Token request for ${cacheKey} timed out after ${String(fetchTimeout)} ms`,
        {
          cause: error,
          retryable: true,
        },
      );
    }
    const detail = isAttacheError(error) ? error.message : error instanceof Error ? error.name : typeof error;
    return new TokenAcquisitionError(`Could not obtain a token for ${cacheKey}: ${detail}`, {
      cause: error,
      retryable: isAttacheError(error) ? error.isRetryable : true,
    });
  }

  async function runFlight(sink: AttacheEventListener | undefined): Promise<HeldToken> {
    const controller = new AbortController();
    const timer =
      fetchTimeout === false
        ? undefined
        : setTimeout(
            () => controller.abort(new TimeoutError(`Token request timed out after ${fetchTimeout} ms`)),
            fetchTimeout,
          );
    try {
      const held =
        store === undefined
          ? await fetchFromNetwork(controller.signal, sink)
          : await fetchThroughStore(store, controller.signal, sink);
      state.failure = undefined;
      return held;
    } catch (caught) {
      const error = toAcquisitionError(caught, controller.signal);
      const count = (state.failure?.count ?? 0) + 1;
      // The endpoint's own Retry-After (from a 429 or 503) is a floor for the back-off, never a ceiling.
      const retryInMs = Math.max(
        Math.min(maxBackoff, FIRST_BACKOFF * 2 ** (count - 1)),
        error.retryAfter ?? 0,
      );
      const failedAt = now();
      state.failure = { error, count, retryAt: failedAt + retryInMs };
      const held = state.held;
      emit(
        {
          type: 'token:refresh-failed',
          key: cacheKey,
          error: describeFailure(error),
          retryInMs,
          stillValid: held !== undefined && failedAt < held.token.expiresAt,
        },
        sink,
      );
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  function startFlight(sink: AttacheEventListener | undefined): Promise<HeldToken> {
    const flight: Promise<HeldToken> = runFlight(sink).finally(() => {
      if (state.flight === flight) state.flight = undefined;
    });
    state.flight = flight;
    // Background refreshes are not awaited by anyone: their failure is recorded, not unhandled.
    flight.catch(() => undefined);
    return flight;
  }

  function refreshInBackground(sink: AttacheEventListener | undefined): void {
    if (state.flight !== undefined) return;
    const t = now();
    if (state.failure !== undefined && t < state.failure.retryAt) return;
    if (t < state.nextStoreCheck) return;
    // Nobody waits for it: the result lands in the shared state, a failure in `state.failure`.
    void startFlight(sink);
  }

  async function waitForNew(
    signal: AbortSignal | undefined,
    sink: AttacheEventListener | undefined,
  ): Promise<Token> {
    let flight = state.flight;
    if (flight === undefined) {
      const failure = state.failure;
      if (failure !== undefined && now() < failure.retryAt) {
        // Inside the back-off: no new attempt. A token that has not expired yet is still better than an error.
        const held = state.held;
        if (held !== undefined && now() < held.token.expiresAt) return handOut(held, sink);
        throw failure.error;
      }
      flight = startFlight(sink);
    }
    try {
      return handOut(await (signal === undefined ? flight : raceSignal(flight, signal)), sink);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const held = state.held;
      if (held !== undefined && now() < held.token.expiresAt) return handOut(held, sink);
      throw error;
    }
  }

  return {
    key: cacheKey,
    async get(getOptions: GetTokenOptions = {}): Promise<Token> {
      const { signal, onEvent: sink } = getOptions;
      if (signal?.aborted) throw signal.reason;
      if (getOptions.clock !== undefined) state.clock = getOptions.clock;
      const held = state.held;
      if (held !== undefined) {
        const t = now();
        if (t < held.token.refreshAt) return handOut(held, sink);
        if (t < hardLimit(held.token)) {
          refreshInBackground(sink);
          return handOut(held, sink);
        }
      }
      return waitForNew(signal, sink);
    },
    async invalidate(token: Pick<Token, 'value'>): Promise<boolean> {
      const value = revealAccessToken(token?.value);
      if (value === undefined) return false;
      state.rejected = value;
      const held = state.held;
      if (held === undefined || held.token.value.reveal() !== value) return false;
      state.held = undefined;
      if (store !== undefined && held.entry !== undefined) {
        const entry = held.entry;
        const pending = (async () => {
          try {
            await store.delete(cacheKey, entry);
          } catch {
            // The rejected value is remembered in `state.rejected`, so it is not adopted again anyway.
          }
        })();
        state.pendingDelete = pending;
        await pending;
        if (state.pendingDelete === pending) state.pendingDelete = undefined;
      }
      return true;
    },
    peek(): Token | undefined {
      const held = state.held;
      return held !== undefined && now() < held.token.expiresAt ? held.token : undefined;
    },
    // A store with events of its own (Redis outages) reaches the clients this source's authenticators serve.
    ...forwardEvents(store),
  };
}
