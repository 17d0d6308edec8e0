import { ConfigError } from '../errors.ts';
import type { TokenStore, TokenStoreLock } from './token-store.ts';

/** Options of {@link createMemoryTokenStore}. */
export interface MemoryTokenStoreOptions {
  /** Time source in epoch ms, for entries' and locks' time to live. Default `Date.now`. */
  readonly now?: () => number;
}

interface Expiring {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * A {@link TokenStore} in this process's memory, with locks. Token sources already share tokens by cache
 * key inside one process, so this store is mainly the reference implementation of the contract and a test
 * double: several "processes" (token sources that do not share memory) given the same instance behave like
 * a fleet sharing Redis. Nothing here uses timers: time to live is checked when an entry is read.
 *
 * @example
 * ```ts
 * const store = createMemoryTokenStore();
 * const source = createTokenSource(fetchToken, { key: 'partner:robot', store });
 * ```
 */
export function createMemoryTokenStore(options: MemoryTokenStoreOptions = {}): TokenStore {
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('createMemoryTokenStore: now must be a function');
  const entries = new Map<string, Expiring>();
  const locks = new Map<string, Expiring>();
  let lockCount = 0;

  const read = (map: Map<string, Expiring>, key: string): string | undefined => {
    const found = map.get(key);
    if (found === undefined) return undefined;
    if (found.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return found.value;
  };

  return {
    get: (key) => read(entries, key),
    set(key, entry, ttlMs) {
      entries.set(key, { value: entry, expiresAt: now() + ttlMs });
    },
    delete(key, expected) {
      const current = read(entries, key);
      if (current === undefined || (expected !== undefined && current !== expected)) return false;
      entries.delete(key);
      return true;
    },
    compareAndSet(key, expected, entry, ttlMs) {
      if ((read(entries, key) ?? null) !== expected) return false;
      entries.set(key, {
        value: entry,
        expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + ttlMs,
      });
      return true;
    },
    acquireLock(key, ttlMs): TokenStoreLock | null {
      if (read(locks, key) !== undefined) return null;
      const id = `lock-${++lockCount}`;
      locks.set(key, { value: id, expiresAt: now() + ttlMs });
      return {
        release() {
          if (locks.get(key)?.value === id) locks.delete(key);
        },
      };
    },
  };
}
