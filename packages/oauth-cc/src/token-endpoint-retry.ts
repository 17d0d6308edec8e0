import { ConfigError, TokenAcquisitionError } from '@attache/core';
import { backoff, EQUAL_JITTER, MAX_WAIT, sleep } from '@attache/core/internal';

/**
 * How the token endpoint is retried: network errors, 429 and 5xx only; a 4xx other than 429
 * is never retried. Waits are the pipeline's back-off formula with equal jitter: before the n-th retry (from
 * 0), with `c = min(maxDelay, minDelay × 2^n)`, a random wait between `c/2` and `c` (never a retry at once),
 * drawn with the token source's `random`; a
 * `Retry-After` is waited for when it is the longer wait. Nothing is waited for past the token fetch's
 * deadline (the token source's `fetchTimeout`) or longer than `maxRetryAfter`: the error comes back at once.
 *
 * @example
 * ```ts
 * clientCredentialsAuth({ issuer, clientId, clientSecret, retry: { retries: 4, maxRetryAfter: 10_000 } });
 * ```
 */
export interface TokenEndpointRetryOptions {
  /** Retries after the first attempt. Default `2`. */
  readonly retries?: number;
  /** Ceiling in ms of the wait before the first retry; it doubles with each retry. Default `250`. */
  readonly minDelay?: number;
  /** Largest ceiling of a wait in ms. Default `20_000`. */
  readonly maxDelay?: number;
  /** Longest `Retry-After` (ms) worth waiting for. Default `60_000`. */
  readonly maxRetryAfter?: number;
}

export interface ResolvedTokenRetry {
  readonly retries: number;
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly maxRetryAfter: number;
}

const DEFAULTS: ResolvedTokenRetry = { retries: 2, minDelay: 250, maxDelay: 20_000, maxRetryAfter: 60_000 };

export function resolveTokenRetry(value: unknown): ResolvedTokenRetry {
  if (value === undefined) return DEFAULTS;
  if (value === false) return { ...DEFAULTS, retries: 0 };
  if (typeof value === 'number') return resolveTokenRetry({ retries: value });
  if (typeof value !== 'object' || value === null) {
    throw new ConfigError('clientCredentialsAuth: retry must be a number of retries, an object or false');
  }
  const options = value as TokenEndpointRetryOptions;
  const read = (field: keyof TokenEndpointRetryOptions, integer: boolean): number => {
    const given = options[field];
    if (given === undefined) return DEFAULTS[field];
    if (
      typeof given !== 'number' ||
      !Number.isFinite(given) ||
      given < 0 ||
      (integer && !Number.isInteger(given))
    ) {
      throw new ConfigError(
        `clientCredentialsAuth: retry.${field} must be a non-negative ${integer ? 'whole number' : 'number of ms'}, got ${String(given)}`,
      );
    }
    return given;
  };
  const resolved = {
    retries: read('retries', true),
    minDelay: read('minDelay', false),
    maxDelay: read('maxDelay', false),
    maxRetryAfter: read('maxRetryAfter', false),
  };
  if (resolved.maxDelay < resolved.minDelay) {
    throw new ConfigError('clientCredentialsAuth: retry.maxDelay must be at least retry.minDelay');
  }
  return resolved;
}

/** Network errors, 429 and 5xx: the endpoint is busy or unreachable, not refusing the client. */
export function isTransient(error: unknown): error is TokenAcquisitionError {
  if (!(error instanceof TokenAcquisitionError) || !error.isRetryable) return false;
  const status = error.status;
  return status === undefined || status === 429 || status >= 500;
}

/** What a retry loop needs from the token request it repeats. */
export interface RetryScope {
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** Random source in [0, 1) for the back-off's jitter. */
  readonly random: () => number;
  /** Epoch ms on `now`: no wait ends at or after it. */
  readonly deadline: number;
  /** Told of each retry before its wait: the attempt that failed and the wait in ms. */
  readonly onRetry: (error: TokenAcquisitionError, attempt: number, delayMs: number) => void;
}

/**
 * Runs `run`, and again after a wait while it fails with a transient error and retries are left. The wait is
 * the backoff or the server's `Retry-After`, whichever is longer; when that is past the deadline or above
 * `maxRetryAfter`, the error goes back at once (the token source then backs off on its own). Cut short by
 * `signal`, which rejects with its reason.
 */
export async function retryTransient<T>(
  run: () => Promise<T>,
  retry: ResolvedTokenRetry,
  scope: RetryScope,
): Promise<T> {
  const { signal } = scope;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      const result = await run();
      signal.throwIfAborted();
      return result;
    } catch (thrown) {
      signal.throwIfAborted();
      if (!(thrown instanceof Error)) {
        throw new TypeError(`Non-error was thrown: "${String(thrown)}". You should only throw errors.`);
      }
      if (attempt > retry.retries || !isTransient(thrown)) throw thrown;
      const retryAfter = thrown.retryAfter;
      const delay = Math.min(
        backoff(retry.minDelay, retry.maxDelay, attempt - 1, scope.random, EQUAL_JITTER),
        MAX_WAIT,
      );
      const wait = Math.max(retryAfter ?? 0, delay);
      if (
        (retryAfter !== undefined && retryAfter > retry.maxRetryAfter) ||
        scope.now() + wait >= scope.deadline
      ) {
        throw thrown;
      }
      scope.onRetry(thrown, attempt, wait);
      await sleep(wait, signal);
    }
  }
}
