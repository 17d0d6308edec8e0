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
   * Records `nonce` and returns `true`; returns `false` when it is already recorded (a replay), or `'full'`
   * when the store cannot record one more nonce without forgetting a live one (the verifier then refuses the
   * message with `nonce-store-full`). `expiresAt` (epoch ms) is the first instant at which the nonce may be
   * forgotten: the verifier passes one millisecond past the last instant its signature can be accepted, so a
   * store that keeps a nonce while `now < expiresAt` (as Redis `PXAT` does) never lets a replay through.
   */
  claim(nonce: string, expiresAt: number): boolean | 'full' | Promise<boolean | 'full'>;
}

/** What {@link createMemoryNonceStore} does when `maxEntries` live nonces are remembered. */
export type NonceStoreFullPolicy = 'refuse' | 'evict-oldest';

/**
 * Options of {@link createMemoryNonceStore}.
 *
 * @example
 * ```ts
 * const nonces = createMemoryNonceStore({ maxEntries: 500_000, whenFull: 'refuse' });
 * ```
 */
export interface MemoryNonceStoreOptions {
  /**
   * Most nonces kept. Expired nonces are always dropped first. Default `100_000`: a sustained 166 signed
   * requests a second with the default 300 s tolerance (a nonce lives up to twice the tolerance, since a
   * signature may be dated that far ahead).
   */
  readonly maxEntries?: number;
  /**
   * When `maxEntries` nonces are all still live: `'refuse'` (default) makes `claim` answer `'full'`, so the
   * verifier rejects the message (`nonce-store-full`) and no replay can get through; `'evict-oldest'`
   * forgets the nonce closest to expiry to make room, which keeps accepting traffic but lets that one nonce
   * be replayed until its signature expires.
   */
  readonly whenFull?: NonceStoreFullPolicy;
  /** Time source in epoch ms (for tests). Default `Date.now`. */
  readonly now?: () => number;
}

interface Slot {
  readonly nonce: string;
  readonly expiresAt: number;
}

/**
 * A nonce store in this process's memory, bounded in size. Nonces are only ever claimed after a signature
 * has verified, so filling it takes the signing key.
 *
 * @throws {ConfigError} for an invalid `maxEntries` or `whenFull`.
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
  const whenFull = options.whenFull ?? 'refuse';
  if (whenFull !== 'refuse' && whenFull !== 'evict-oldest') {
    throw new ConfigError(`createMemoryNonceStore: whenFull must be 'refuse' or 'evict-oldest'`);
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('createMemoryNonceStore: now must be a function');
  // Nonce → the instant it may be forgotten. Nonces expire out of insertion order (a signature may be dated
  // ahead of or behind the clock), so a min-heap on expiry finds the expired ones, and the one to evict.
  const entries = new Map<string, number>();
  const heap: Slot[] = [];

  function push(slot: Slot): void {
    heap.push(slot);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.expiresAt <= heap[i]!.expiresAt) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  function pop(): Slot | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left]!.expiresAt < heap[least]!.expiresAt) least = left;
      if (right < heap.length && heap[right]!.expiresAt < heap[least]!.expiresAt) least = right;
      if (least === i) break;
      [heap[least], heap[i]] = [heap[i]!, heap[least]!];
      i = least;
    }
    return top;
  }

  /** Removes the heap's front; forgets its nonce unless the nonce was claimed again since (a stale slot). */
  function drop(): void {
    const slot = pop();
    if (slot !== undefined && entries.get(slot.nonce) === slot.expiresAt) entries.delete(slot.nonce);
  }

  function sweep(time: number): void {
    while (heap.length > 0 && heap[0]!.expiresAt <= time) drop();
  }

  return {
    claim(nonce, expiresAt) {
      const time = now();
      sweep(time);
      if (entries.has(nonce)) return false;
      // A nonce that is already past its expiry cannot be replayed either: nothing to remember.
      if (!(expiresAt > time)) return true;
      if (entries.size >= maxEntries) {
        if (whenFull === 'refuse') return 'full';
        while (entries.size >= maxEntries) drop();
      }
      entries.set(nonce, expiresAt);
      push({ nonce, expiresAt });
      return true;
    },
  };
}
