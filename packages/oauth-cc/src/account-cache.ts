import { ConfigError } from '@attache/core';

const ACCOUNT = /^[\x21-\x7e]{1,256}$/;

/** Checks an account name: what `connect`, `disconnect` and the `account` call option accept. */
export function checkAccount(account: unknown, who: string): string {
  if (typeof account !== 'string' || !ACCOUNT.test(account)) {
    throw new ConfigError(`${who}: account must be 1 to 256 visible ASCII characters`);
  }
  return account;
}

/**
 * A bounded map from account to what serves it: the least recently used account goes when a new one would
 * pass `max`, so memory stays flat however many accounts a client serves.
 */
export function createAccountCache<T>(
  max: number,
  make: (account: string) => T,
): {
  get(account: string): T;
  delete(account: string): void;
  readonly size: number;
} {
  const entries = new Map<string, T>();
  return {
    get(account) {
      let entry = entries.get(account);
      if (entry !== undefined) {
        // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
        entries.delete(account);
      } else {
        entry = make(account);
        if (entries.size >= max) entries.delete(entries.keys().next().value as string);
      }
      entries.set(account, entry);
      return entry;
    },
    delete(account) {
      entries.delete(account);
    },
    get size() {
      return entries.size;
    },
  };
}
