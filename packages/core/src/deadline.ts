import { TimeoutError } from './errors.ts';
import type { RedactedRequest } from './redact.ts';

/** One deadline for a whole call, merged with the caller's abort signal. */
export interface Deadline {
  /** Aborts on the caller's abort (reason: the caller's) or when time is up (reason: a `TimeoutError`). */
  readonly signal: AbortSignal;
  /** Milliseconds left; `Infinity` without a deadline. */
  remaining(): number;
  dispose(): void;
}

export function createDeadline(
  timeout: number | false,
  callerSignal: AbortSignal | null | undefined,
  now: () => number,
  request: () => RedactedRequest,
): Deadline {
  return new CallDeadline(timeout, callerSignal ?? undefined, now, request);
}

// The caller's signal, joined to the deadline's, still reaches the answer's body after the call returns (as a
// signal given to fetch does); the join is the platform's, which lets it go with the call's objects.
const join: ((signals: AbortSignal[]) => AbortSignal) | undefined =
  typeof AbortSignal.any === 'function' ? AbortSignal.any.bind(AbortSignal) : undefined;

// A class rather than closures: it runs once per call, and one shape keeps it cheap.
class CallDeadline implements Deadline {
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  readonly #end: number;
  readonly #now: () => number;
  readonly #timeout: number | false;
  readonly #request: () => RedactedRequest;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    timeout: number | false,
    callerSignal: AbortSignal | undefined,
    now: () => number,
    request: () => RedactedRequest,
  ) {
    this.#now = now;
    this.#timeout = timeout;
    this.#request = request;
    this.#end = timeout === false ? Number.POSITIVE_INFINITY : now() + timeout;
    this.#callerSignal = callerSignal;
    const controller = this.#controller;
    this.#signal = controller.signal;
    if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    else if (callerSignal !== undefined && join !== undefined) {
      this.#signal = join([callerSignal, controller.signal]);
    } else if (callerSignal !== undefined) {
      // Without AbortSignal.any the caller's abort is forwarded until the call returns.
      this.#onAbort = () => controller.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', this.#onAbort, { once: true });
    }
    // The deadline itself is the timer's argument: no closure per call.
    if (timeout !== false && !controller.signal.aborted) this.#timer = setTimeout(expire, timeout, this);
  }

  /** Time is up: aborts with a `TimeoutError` describing the call's request. */
  expire(): void {
    this.#controller.abort(
      new TimeoutError(`Request timed out after ${this.#timeout} ms`, { request: this.#request() }),
    );
  }

  get signal(): AbortSignal {
    return this.#signal;
  }

  remaining(): number {
    return this.#end - this.#now();
  }

  /** The call returned: the timer stops (the deadline does not cover reading the answer's body). */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#callerSignal?.removeEventListener('abort', this.#onAbort);
  }
}

function expire(deadline: CallDeadline): void {
  deadline.expire();
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts. For authenticators and token fetches
 * that wait inside the call's deadline (`context.signal`).
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts: bounds work that does not
 * take a signal itself by the call's deadline.
 */
export function raceSignal<T>(promise: Promise<T> | T, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (!(promise instanceof Promise)) return Promise.resolve(promise);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
