import { ConfigError } from '@attache/core';
import { checkNumber, sleep } from '@attache/core/internal';
import { getResponse, HttpResponse, http, type RequestHandler } from 'msw';
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

type Rule =
  | {
      readonly kind: 'fail';
      remaining: number;
      readonly match: FaultMatch | undefined;
      readonly respond: () => Response;
    }
  | { readonly kind: 'network'; remaining: number; readonly match: FaultMatch | undefined }
  | {
      readonly kind: 'delay';
      remaining: number;
      readonly match: FaultMatch | undefined;
      readonly ms: number;
    };

/** Produces the real answer once faults let the request through; `undefined` falls through in msw. */
export type Produce = () => Promise<Response | undefined> | Response | undefined;

/** The part of a {@link Faults} that the mocks drive. Not public: reached through {@link serveWithFaults}. */
interface FaultEngine {
  serve(request: Request, produce: Produce): Promise<Response | undefined>;
}

const engines = new WeakMap<Faults, FaultEngine>();

function positiveInteger(value: unknown, name: string): number {
  return checkNumber(value, `faults: ${name}`, { min: 'positive', integer: true });
}

function checkMatch(match: unknown): FaultMatch | undefined {
  if (match === undefined || typeof match === 'function') return match as FaultMatch | undefined;
  if (typeof match !== 'string' || !URL.canParse(match)) {
    throw new ConfigError('faults: match must be an absolute URL or a function of the request');
  }
  return withoutQuery(match);
}

/** The URL without query and fragment. */
export function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

function matches(match: FaultMatch | undefined, request: Request): boolean {
  if (match === undefined) return true;
  if (typeof match === 'string') return withoutQuery(request.url) === match;
  return match(request);
}

function retryAfterValue(value: number | Date | string): string {
  if (value instanceof Date) return value.toUTCString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(
        'faults: retryAfter must be a non-negative number of seconds, a Date or a string',
      );
    }
    return String(Math.ceil(value));
  }
  if (typeof value === 'string') return value;
  throw new ConfigError('faults: retryAfter must be a non-negative number of seconds, a Date or a string');
}

function failureResponder(status: number, options: FailNextOptions): () => Response {
  const headers = new Headers(options.headers);
  if (options.retryAfter !== undefined) headers.set('retry-after', retryAfterValue(options.retryAfter));
  const body = options.body;
  let text: string | null = null;
  if (typeof body === 'string') text = body;
  else if (body !== undefined) {
    text = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return () => new Response(text, { status, headers });
}

/** A copy of `response` whose `Date` header says `now`. */
function withDate(response: Response, now: number): Response {
  const headers = new Headers(response.headers);
  headers.set('date', new Date(now).toUTCString());
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

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
  let rules: Rule[] = [];
  let skew = 0;
  const counts = { requests: 0, failed: 0, networkErrors: 0, delayed: 0 };

  function take<K extends Rule['kind']>(
    kinds: readonly K[],
    request: Request,
  ): Extract<Rule, { kind: K }> | undefined {
    const rule = rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (kinds as readonly string[]).includes(candidate.kind) &&
        matches(candidate.match, request),
    );
    if (rule === undefined) return undefined;
    rule.remaining--;
    rules = rules.filter((candidate) => candidate.remaining > 0);
    return rule as Extract<Rule, { kind: K }>;
  }

  const faults: Faults = {
    failNext(count, status = 503, failOptions = {}) {
      const n = positiveInteger(count, 'count');
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw new ConfigError('faults: status must be an HTTP status between 100 and 599');
      }
      rules.push({
        kind: 'fail',
        remaining: n,
        match: checkMatch(failOptions.match),
        respond: failureResponder(status, failOptions),
      });
      return faults;
    },
    networkErrorNext(count, faultOptions = {}) {
      rules.push({
        kind: 'network',
        remaining: positiveInteger(count, 'count'),
        match: checkMatch(faultOptions.match),
      });
      return faults;
    },
    delayNext(count, ms, faultOptions = {}) {
      const n = positiveInteger(count, 'count');
      checkNumber(ms, 'faults: ms', { min: 'non-negative', unit: 'milliseconds' });
      rules.push({ kind: 'delay', remaining: n, match: checkMatch(faultOptions.match), ms });
      return faults;
    },
    skewDate(offsetMs) {
      if (typeof offsetMs !== 'number' || !Number.isFinite(offsetMs)) {
        throw new ConfigError('faults: skewDate takes a finite number of milliseconds');
      }
      skew = offsetMs;
      return faults;
    },
    get skew() {
      return skew;
    },
    get pending() {
      return rules.reduce((sum, rule) => sum + rule.remaining, 0);
    },
    calls: liveCounts(counts),
    now: () => clock() + skew,
    wrap(handlers) {
      const inner = [...handlers];
      const handles = async (request: Request): Promise<boolean> => {
        for (const handler of inner) if (await handler.test({ request })) return true;
        return false;
      };
      return [
        http.all(
          ({ request }) => handles(request),
          ({ request }) => engine.serve(request, () => getResponse(inner, request)),
        ),
      ];
    },
    reset() {
      rules = [];
      skew = 0;
      counts.requests = 0;
      counts.failed = 0;
      counts.networkErrors = 0;
      counts.delayed = 0;
    },
  };

  const engine: FaultEngine = {
    async serve(request, produce) {
      counts.requests++;
      // Decided on arrival, before any await: concurrent requests use faults up in arrival order.
      const delay = take(['delay'], request);
      const outcome = take(['fail', 'network'], request);
      if (delay !== undefined) {
        counts.delayed++;
        // A client that gave up ends the delay; the answer then goes to no one, which is harmless, where
        // a rejection here would surface as an error in the test's msw handler.
        await sleep(delay.ms, request.signal).catch(() => undefined);
      }
      if (outcome?.kind === 'network') {
        counts.networkErrors++;
        return HttpResponse.error();
      }
      let response: Response | undefined;
      if (outcome?.kind === 'fail') {
        counts.failed++;
        response = outcome.respond();
      } else {
        response = await produce();
      }
      if (response === undefined || response.type === 'error') return response;
      // A handler's own `Date` is kept unless the clock is skewed; the mocks never set one.
      return skew !== 0 || !response.headers.has('date') ? withDate(response, faults.now()) : response;
    },
  };
  engines.set(faults, engine);
  return faults;
}

/** Answers `request` through `faults`: injected failures and delays first, then `produce`, then the `Date`. */
export function serveWithFaults(
  faults: Faults,
  request: Request,
  produce: Produce,
): Promise<Response | undefined> {
  const engine = engines.get(faults);
  if (engine === undefined) throw new ConfigError('faults must come from createFaults()');
  return engine.serve(request, produce);
}

/** Throws a `ConfigError` unless `value` was made by {@link createFaults}. */
export function checkFaults(value: unknown, owner: string): Faults {
  if (typeof value !== 'object' || value === null || !engines.has(value as Faults)) {
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
