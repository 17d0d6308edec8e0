import { isAttacheError, TokenAcquisitionError } from '../errors.ts';

/**
 * A value a user's provider hands out (an API key, a signing key, cloud credentials), read once and shared:
 * one read at a time for every caller, the settled value handed out without waiting, a failed read forgotten
 * so the next call asks again, and one read for every call that saw the same value refused.
 */
export interface ProviderCache<T> {
  /** The current read's value once it settled; `undefined` while it is pending or after it failed. */
  settled(): T | undefined;
  /** The current read, pending or settled, or a new one when there is none. */
  current(): Promise<T>;
  /** Starts a new read, which becomes the current one. */
  read(): Promise<T>;
  /**
   * After `rejected` was refused by the server: resolves `true` when a different value is now current, so a
   * replay is worthwhile. Concurrent calls for the same refused value share one provider read.
   */
  renew(rejected: T | undefined): Promise<boolean>;
}

/**
 * @param accept Checks what the provider returned and turns it into the cached value (`previous` is the last
 *   settled one, to be kept when the provider handed out the same); throws a `ConfigError` that never quotes it.
 * @param failure The message of the `TokenAcquisitionError` a throwing provider becomes (an Attaché error
 *   it throws is kept as it is).
 * @param differs Whether two values are different credentials (default: not the same object).
 */
export function createProviderCache<T>(
  provider: () => unknown,
  accept: (value: unknown, previous: T | undefined) => T,
  failure: string,
  differs: (a: T, b: T | undefined) => boolean = (a, b) => a !== b,
): ProviderCache<T> {
  let cached: Promise<T> | undefined;
  let settled: T | undefined;
  // The read whose answer `settled` is: while it is the current read, callers wait on nothing.
  let settledFrom: Promise<T> | undefined;

  function read(): Promise<T> {
    const pending: Promise<T> = Promise.resolve()
      .then(provider)
      .then(
        (value) => {
          settled = accept(value, settled);
          settledFrom = pending;
          return settled;
        },
        (cause: unknown) => {
          if (isAttacheError(cause)) throw cause;
          throw new TokenAcquisitionError(failure, { cause });
        },
      );
    cached = pending;
    pending.catch(() => {
      if (cached === pending) cached = undefined;
    });
    return pending;
  }

  return {
    settled: () => (cached !== undefined && cached === settledFrom ? settled : undefined),
    current: () => cached ?? read(),
    read,
    async renew(rejected) {
      const seen = cached;
      if (seen !== undefined) {
        const known = await seen.catch(() => undefined);
        // Another call already moved on from the refused value: replay with the newer one.
        if (known !== undefined && differs(known, rejected)) return true;
      }
      // The first caller to get here starts the read; the others await that same read.
      const next = cached === seen || cached === undefined ? read() : cached;
      return differs(await next, rejected);
    },
  };
}
