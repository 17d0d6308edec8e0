import { ConfigError } from '@attache/core';

/**
 * Remembers nonces so a verifier can refuse a replayed request. `claim` must be atomic: of two concurrent
 * claims of one nonce, exactly one succeeds. A shared store (Redis `SET key 1 NX PXAT expiresAt`, a database
 * unique key) protects a fleet of servers; the default memory store protects one process.
 *
 * @example
 * ```ts
 * const redisNonces: NonceStore = {
 *   claim: async (nonce, expiresAt) =>
 *     (await redis.set(`nonce:${nonce}`, '1', { NX: true, PXAT: expiresAt })) === 'OK',
 * };
 * ```
 */
export interface NonceStore {
  /**
   * Records `nonce` until `expiresAt` (epoch ms) and returns `true`, or returns `false` when it is already
   * recorded and not yet expired (a replay).
   */
  claim(nonce: string, expiresAt: number): boolean | Promise<boolean>;
}

/**
 * Options of {@link createMemoryNonceStore}.
 *
 * @example
 * ```ts
 * const nonces = createMemoryNonceStore({ maxEntries: 500_000 });
 * ```
 */
export interface MemoryNonceStoreOptions {
  /**
   * Most nonces kept. When full, expired nonces go first, then the oldest. Default `100_000` (over 300 a
   * second for the default 300 s window, times two for signatures dated ahead).
   */
  readonly maxEntries?: number;
  /** Time source in epoch ms (for tests). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A nonce store in this process's memory, bounded in size. Nonces are only ever claimed after a signature
 * has verified, so filling it takes the signing key.
 *
 * @throws {ConfigError} for an invalid `maxEntries`.
 * @example
 * ```ts
 * const verifier = createHmacVerifier({ keys, nonceStore: createMemoryNonceStore() });
 * ```
 */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions = {}): NonceStore {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigError('createMemoryNonceStore: maxEntries must be a positive integer');
  }
  const now = options.now ?? Date.now;
  // Insertion order is roughly expiry order (every nonce lives for about the same window), so the front of
  // the map is where expired entries are.
  const entries = new Map<string, number>();

  function sweep(time: number): void {
    for (const [nonce, expiresAt] of entries) {
      if (expiresAt > time) break;
      entries.delete(nonce);
    }
  }

  return {
    claim(nonce, expiresAt) {
      const time = now();
      sweep(time);
      const existing = entries.get(nonce);
      if (existing !== undefined && existing > time) return false;
      entries.delete(nonce);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(nonce, expiresAt);
      return true;
    },
  };
}
