import { ConfigError } from '../errors.ts';
import type { AttacheEventListener } from '../events.ts';
import type { TokenStore } from './token-store.ts';

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
  /**
   * Ceiling of the wait after a failed attempt, during which no new attempt starts. The wait is the
   * pipeline's back-off formula with equal jitter: after the n-th failure in a row, with `c = min(maxBackoff,
   * 1 s × 2^(n−1))`, between `c/2` and `c` (0.5–1 s, 1–2 s, 2–4 s … up to this), drawn with `random`, so
   * sources that failed together do not try again together, and a failing endpoint is never asked again at
   * once. The endpoint's `Retry-After` is a floor for it.
   * Default `30_000`.
   */
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
  /**
   * Random source in [0, 1), for the refresh point and the back-off jitter; `fetchToken` gets it as
   * `context.random`. Default `Math.random`.
   */
  readonly random?: () => number;
  /** Receives `token:acquired` and `token:refresh-failed` events. Never carries a token. */
  readonly onEvent?: AttacheEventListener;
}

/** The options with their defaults filled in. */
export interface SourceSettings {
  readonly expirySkew: number;
  readonly defaultLifetime: number;
  readonly refreshWindow: readonly [number, number];
  readonly maxBackoff: number;
  readonly fetchTimeout: number | false;
  readonly store: TokenStore | undefined;
  readonly lockTtl: number;
  readonly lockPollInterval: number;
  readonly now: () => number;
  readonly random: () => number;
}

const DEFAULTS = {
  expirySkew: 30_000,
  defaultLifetime: 300_000,
  refreshWindow: [0.75, 0.85] as const,
  maxBackoff: 30_000,
  fetchTimeout: 30_000,
  lockPollInterval: 250,
} as const;

function checkDuration(value: unknown, field: string, allowZero: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigError(
      `createTokenSource: ${field} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms, got ${String(value)}`,
    );
  }
}

export function checkOptions(fetchToken: unknown, options: TokenSourceOptions): void {
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

/** The options with their defaults filled in; `options` must have passed {@link checkOptions}. */
export function resolveSettings(options: TokenSourceOptions): SourceSettings {
  const fetchTimeout = options.fetchTimeout ?? DEFAULTS.fetchTimeout;
  return {
    expirySkew: options.expirySkew ?? DEFAULTS.expirySkew,
    defaultLifetime: options.defaultLifetime ?? DEFAULTS.defaultLifetime,
    refreshWindow: options.refreshWindow ?? DEFAULTS.refreshWindow,
    maxBackoff: options.maxBackoff ?? DEFAULTS.maxBackoff,
    fetchTimeout,
    store: options.store,
    lockTtl: options.lockTtl ?? (fetchTimeout === false ? DEFAULTS.fetchTimeout : fetchTimeout),
    lockPollInterval: options.lockPollInterval ?? DEFAULTS.lockPollInterval,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}
