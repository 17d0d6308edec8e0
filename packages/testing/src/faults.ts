import { ConfigError } from '@attache/core';
import type { RequestHandler } from 'msw';
import { armDelay, armFailure, armNetworkError, type FaultState } from './faults/rules.ts';
import { serveFaulted, serverNow, wrapHandlers } from './faults/serve.ts';
import { liveCounts } from './live-counts.ts';

/**
 * Which requests a fault applies to: a URL (compared with the request's URL without its query and fragment)
 * or a predicate. Without one, a fault applies to the next request the mock (or wrapped handlers) answers.
 */
export type FaultMatch = string | ((request: Request) => boolean);

/** Options every fault accepts. */
export interface FaultOptions {
  /** Only requests this matches use up the fault; others pass untouched. Default: any request. */
  readonly match?: FaultMatch;
}

/** Options of {@link Faults.failNext}. */
export interface FailNextOptions extends FaultOptions {
  /**
   * A `Retry-After` header on each failure: a number of seconds, a `Date` (sent as an HTTP-date) or a
   * string sent as is. Default: none.
   */
  readonly retryAfter?: number | Date | string;
  /** The failure's body: a string as is, anything else as JSON. Default: no body. */
  readonly body?: unknown;
  /** More headers on each failure. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What faults did, for assertions. Live values: read them after the calls. */
export interface FaultCalls {
  /** Requests that went through the faults (every request the mock or the wrapped handlers answered). */
  readonly requests: number;
  /** Requests answered with an injected error status. */
  readonly failed: number;
  /** Requests answered with an injected network error. */
  readonly networkErrors: number;
  /** Requests held back by an injected delay. */
  readonly delayed: number;
}

/**
 * Fault injection for msw handlers: the next N responses fail with a status (with `Retry-After`), fail
 * with a network error, or come late; the server's clock (and so its `Date` header) can run ahead or
 * behind. Every mock of this package has one (`mock.faults`); {@link createFaults} makes one for your own
 * handlers (see {@link Faults.wrap}). Faults are used up in the order they were armed.
 *
 * @example
 * ```ts
 * api.faults.failNext(2, 503, { retryAfter: 1 });
 * const response = await partner('orders'); // two 503s retried, then 200
 * expect(api.faults.calls.failed).toBe(2);
 * ```
 */
export interface Faults {
  /**
   * The next `count` matching requests are answered with `status` (default 503), without reaching the
   * handler behind. Returns the same object, so calls chain.
   *
   * @throws {ConfigError} when `count` is not a positive integer or `status` not in 100–599.
   */
  failNext(count: number, status?: number, options?: FailNextOptions): Faults;
  /**
   * The next `count` matching requests fail as if the connection broke (`fetch` rejects with a
   * `TypeError`, msw's `HttpResponse.error()`).
   *
   * @throws {ConfigError} when `count` is not a positive integer.
   */
  networkErrorNext(count: number, options?: FaultOptions): Faults;
  /**
   * The next `count` matching requests are answered `ms` milliseconds late (still answered when the client
   * aborts, to no one). Works with fake timers: advance them by `ms`.
   *
   * @throws {ConfigError} when `count` is not a positive integer or `ms` is negative.
   */
  delayNext(count: number, ms: number, options?: FaultOptions): Faults;
  /**
   * Sets the server's clock `offsetMs` ahead (negative: behind) of the real one, until changed or reset.
   * Every response's `Date` header says the server's time, and the mocks issue and check tokens, proofs and
   * signatures on that clock, as a partner with a wrong clock would.
   *
   * @throws {ConfigError} when `offsetMs` is not a finite number.
   */
  skewDate(offsetMs: number): Faults;
  /** The current clock offset in milliseconds (see {@link Faults.skewDate}). */
  readonly skew: number;
  /** How many armed faults (failures, network errors, delays) are still waiting for a request. */
  readonly pending: number;
  /** What the faults did so far. */
  readonly calls: FaultCalls;
  /** The server's time in epoch milliseconds: the time source plus the skew. */
  now(): number;
  /**
   * Puts faults in front of your own msw handlers: returns one handler that answers what `handlers` answer,
   * with this object's faults and clock applied. Use absolute URLs in those handlers.
   *
   * @example
   * ```ts
   * const faults = createFaults();
   * server.use(...faults.wrap([http.get('https://files.partner.test/report', () => HttpResponse.text('ok'))]));
   * faults.networkErrorNext(1);
   * ```
   */
  wrap(handlers: readonly RequestHandler[]): RequestHandler[];
  /** Disarms every fault, resets the skew to 0 and the counters to 0. */
  reset(): void;
}

/** Options of {@link createFaults}. */
export interface CreateFaultsOptions {
  /** The real time source, in epoch ms. Default `Date.now` (so `vi.useFakeTimers()` moves it too). */
  readonly now?: () => number;
}

/** Produces the real answer once faults let the request through; `undefined` falls through in msw. */
export type Produce = () => Promise<Response | undefined> | Response | undefined;

/** The state behind each {@link Faults}, which the mocks drive. Not public: reached through {@link serveWithFaults}. */
const states = new WeakMap<Faults, FaultState>();

/**
 * Creates a {@link Faults} for your own msw handlers, or to share one clock and one fault queue between
 * mocks (pass it as their `faults` option).
 *
 * @throws {ConfigError} when `now` is not a function.
 * @example
 * ```ts
 * const faults = createFaults();
 * const authorizationServer = mockAuthorizationServer({ issuer, clients, faults });
 * const api = mockPartnerApi({ baseUrl, guards, faults });
 * faults.skewDate(10 * 60_000); // both run ten minutes ahead
 * ```
 */
export function createFaults(options: CreateFaultsOptions = {}): Faults {
  const clock = options.now ?? Date.now;
  if (typeof clock !== 'function') throw new ConfigError('createFaults: now must be a function');
  const state: FaultState = {
    clock,
    rules: [],
    skew: 0,
    counts: { requests: 0, failed: 0, networkErrors: 0, delayed: 0 },
  };
  const faults: Faults = {
    failNext(count, status = 503, failOptions = {}) {
      armFailure(state, count, status, failOptions);
      return faults;
    },
    networkErrorNext(count, faultOptions = {}) {
      armNetworkError(state, count, faultOptions);
      return faults;
    },
    delayNext(count, ms, faultOptions = {}) {
      armDelay(state, count, ms, faultOptions);
      return faults;
    },
    skewDate(offsetMs) {
      if (typeof offsetMs !== 'number' || !Number.isFinite(offsetMs)) {
        throw new ConfigError('faults: skewDate takes a finite number of milliseconds');
      }
      state.skew = offsetMs;
      return faults;
    },
    get skew() {
      return state.skew;
    },
    get pending() {
      return state.rules.reduce((sum, rule) => sum + rule.remaining, 0);
    },
    calls: liveCounts(state.counts),
    now: () => serverNow(state),
    wrap: (handlers) => wrapHandlers(state, handlers),
    reset() {
      state.rules = [];
      state.skew = 0;
      Object.assign(state.counts, { requests: 0, failed: 0, networkErrors: 0, delayed: 0 });
    },
  };
  states.set(faults, state);
  return faults;
}

/** Answers `request` through `faults`: injected failures and delays first, then `produce`, then the `Date`. */
export function serveWithFaults(
  faults: Faults,
  request: Request,
  produce: Produce,
): Promise<Response | undefined> {
  const state = states.get(faults);
  if (state === undefined) throw new ConfigError('faults must come from createFaults()');
  return serveFaulted(state, request, produce);
}

/** Throws a `ConfigError` unless `value` was made by {@link createFaults}. */
export function checkFaults(value: unknown, owner: string): Faults {
  if (typeof value !== 'object' || value === null || !states.has(value as Faults)) {
    throw new ConfigError(`${owner}: faults must come from createFaults()`);
  }
  return value as Faults;
}

/**
 * The faults a mock serves through: the ones given (shared with another mock), or new ones on the clock
 * given. Not both: a mock's clock is its faults' clock, so `faults.skewDate()` moves everything it dates.
 *
 * @throws {ConfigError} for a `now` that is not a function, `now` with `faults`, or foreign `faults`.
 */
export function faultsOption(
  options: { readonly now?: (() => number) | undefined; readonly faults?: Faults | undefined },
  owner: string,
): Faults {
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new ConfigError(`${owner}: now must be a function`);
  }
  if (options.now !== undefined && options.faults !== undefined) {
    throw new ConfigError(
      `${owner}: pass now to createFaults() when you pass faults: it uses the faults clock`,
    );
  }
  return options.faults === undefined
    ? createFaults(options.now === undefined ? {} : { now: options.now })
    : checkFaults(options.faults, owner);
}
