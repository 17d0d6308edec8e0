import { backoff } from './backoff.ts';
import { ConfigError } from './errors.ts';

/**
 * When and how the pipeline retries transient failures. Every field is optional; per-call values are merged
 * over the client's.
 *
 * @example
 * ```ts
 * createFetch({ baseUrl, retry: { retries: 4, maxRetryAfter: 10_000 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default `2` (three attempts in all). */
  readonly retries?: number;
  /** Statuses that are retried. Default `[408, 429, 500, 502, 503, 504]`. */
  readonly statuses?: readonly number[];
  /**
   * Methods that are retried. Default: the idempotent ones (GET, HEAD, OPTIONS, PUT, DELETE, TRACE).
   * Any method is retried when the request carries an `Idempotency-Key` header.
   */
  readonly methods?: readonly string[];
  /** First backoff ceiling in ms; doubles each retry (full jitter). Default `250`. */
  readonly baseDelay?: number;
  /** Largest backoff ceiling in ms. Default `20_000`. */
  readonly maxDelay?: number;
  /**
   * Longest `Retry-After` the pipeline waits for, in ms. A longer one (or one past the deadline) is not
   * waited for: the response comes back at once. Default `60_000`.
   */
  readonly maxRetryAfter?: number;
  /** Whether network errors (reset, refused, DNS, socket closed) are retried. Default `true`. */
  readonly networkErrors?: boolean;
}

/**
 * A token bucket shared by all calls of one client: each retry costs `retryCost`, each success refunds
 * `successRefund`. When the partner is down the bucket empties and calls fail fast without retry storms;
 * first attempts are never blocked, so recovery refills it.
 */
export interface RetryBudgetOptions {
  /** Default `500`. */
  readonly capacity?: number;
  /** Default `5`. */
  readonly retryCost?: number;
  /** Default `1`. */
  readonly successRefund?: number;
}

export interface ResolvedRetry {
  readonly retries: number;
  readonly statuses: ReadonlySet<number>;
  readonly methods: ReadonlySet<string>;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly maxRetryAfter: number;
  readonly networkErrors: boolean;
}

export const DEFAULT_RETRY: ResolvedRetry = {
  retries: 2,
  statuses: new Set([408, 429, 500, 502, 503, 504]),
  methods: new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']),
  baseDelay: 250,
  maxDelay: 20_000,
  maxRetryAfter: 60_000,
  networkErrors: true,
};

const NO_RETRY: ResolvedRetry = { ...DEFAULT_RETRY, retries: 0 };

/** The longest wait a timer can take (2^31 - 1 ms, 24.8 days): a longer one fires at once. */
export const MAX_WAIT = 2_147_483_647;

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_WAIT)) {
    throw new ConfigError(`${field} must be a number in [0, ${MAX_WAIT}], got ${String(value)}`);
  }
  return value;
}

function listOf<T>(value: unknown, field: string, kind: 'number' | 'string'): T[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== kind)) {
    throw new ConfigError(`${field} must be an array of ${kind}s`);
  }
  return value;
}

/** Merges `options` over `base`, validating every field. */
export function resolveRetry(
  options: RetryOptions | number | false | undefined,
  base: ResolvedRetry,
  field = 'retry',
): ResolvedRetry {
  if (options === undefined) return base;
  if (options === false) return NO_RETRY;
  if (typeof options === 'number') return { ...base, retries: Math.floor(nonNegative(options, field)) };
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${field} must be a number, false or an object`);
  }
  return {
    retries:
      options.retries === undefined
        ? base.retries
        : Math.floor(nonNegative(options.retries, `${field}.retries`)),
    statuses:
      options.statuses === undefined
        ? base.statuses
        : new Set(listOf<number>(options.statuses, `${field}.statuses`, 'number')),
    methods:
      options.methods === undefined
        ? base.methods
        : new Set(listOf<string>(options.methods, `${field}.methods`, 'string').map((m) => m.toUpperCase())),
    baseDelay:
      options.baseDelay === undefined ? base.baseDelay : nonNegative(options.baseDelay, `${field}.baseDelay`),
    maxDelay:
      options.maxDelay === undefined ? base.maxDelay : nonNegative(options.maxDelay, `${field}.maxDelay`),
    maxRetryAfter:
      options.maxRetryAfter === undefined
        ? base.maxRetryAfter
        : nonNegative(options.maxRetryAfter, `${field}.maxRetryAfter`),
    networkErrors: options.networkErrors ?? base.networkErrors,
  };
}

/** The wait before the pipeline's `retry`-th retry (from 0): {@link backoff} with the policy's delays. */
export function backoffDelay(policy: ResolvedRetry, retry: number, random: () => number): number {
  return backoff(policy.baseDelay, policy.maxDelay, retry, random);
}

export interface RetryBudget {
  tryAcquire(): boolean;
  recordSuccess(): void;
}

export function createRetryBudget(options: RetryBudgetOptions | false | undefined): RetryBudget {
  if (options === false) return { tryAcquire: () => true, recordSuccess: () => {} };
  const capacity = nonNegative(options?.capacity ?? 500, 'retryBudget.capacity');
  const cost = nonNegative(options?.retryCost ?? 5, 'retryBudget.retryCost');
  const refund = nonNegative(options?.successRefund ?? 1, 'retryBudget.successRefund');
  let tokens = capacity;
  return {
    tryAcquire() {
      if (tokens < cost) return false;
      tokens -= cost;
      return true;
    },
    recordSuccess() {
      tokens = Math.min(capacity, tokens + refund);
    },
  };
}
