import { COMPARE_AND_DELETE } from './compare-and-delete.ts';
import type { EntryCipher } from './entry-cipher.ts';
import type { Availability } from './redis-availability.ts';
import type { RedisCommands } from './redis-client.ts';
import type { RedisTokenStoreEvent } from './store-events.ts';

/** Per cache key, which holder's lock this process keeps finding, and since when. */
export interface LockSpell {
  readonly holder: string;
  readonly since: number;
  last: number;
}

/** What the store's operations share. */
export interface StoreState {
  readonly client: RedisCommands;
  readonly availability: Availability;
  readonly cipher: EntryCipher | undefined;
  readonly prefix: string;
  readonly emit: (event: RedisTokenStoreEvent) => void;
  /** The last entry per cache key that failed validation, so one bad entry gives one event, not one per read. */
  readonly rejected: Map<string, string>;
  /**
   * One holder seen for longer than lockTtl means the lock is not freeing as a lock should. A new holder
   * starts a new spell (the last one's lock expired, as locks do); so does a gap of a whole lockTtl without
   * asking.
   */
  readonly waiting: Map<string, LockSpell>;
}

export function entryKey(state: StoreState, key: string): string {
  return `${state.prefix}token:${key}`;
}

export function lockKey(state: StoreState, key: string): string {
  return `${state.prefix}lock:${key}`;
}

/** Redis refuses PX 0; the source never asks for less than 1 ms anyway. */
export function px(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/** `DEL`s `redisKey` only while it still holds `expected`. */
export function compareAndDelete(state: StoreState, redisKey: string, expected: string): Promise<boolean> {
  return state.availability
    .run(() => state.client.eval(COMPARE_AND_DELETE, 1, redisKey, expected))
    .then((removed) => removed === 1);
}
