import { headerValueProblem } from '../header-value.ts';

/**
 * A lock on one cache key, held by the process that fetches the token for it. See {@link TokenStore}.
 */
export interface TokenStoreLock {
  /**
   * Gives the lock up. Must only remove this holder's lock (compare-and-delete on the lock's unique value),
   * never a lock another process took after this one expired.
   */
  release(): Promise<void> | void;
}

/**
 * Where token sources keep tokens so that several processes (a fleet of servers, serverless instances)
 * share them instead of each fetching its own. Entries are opaque strings written and parsed by the token
 * source; a store only keeps them. Every method may be sync or async.
 *
 * The contract (a Redis implementation is a few lines: `GET`, `SET PX`, a compare-and-delete script,
 * `SET NX PX`):
 * - `get(key)` returns the entry last `set` for `key`, or `undefined`/`null` when there is none or its
 *   time to live has passed.
 * - `set(key, entry, ttlMs)` stores `entry`, replacing any other, for `ttlMs` milliseconds (the token's
 *   remaining lifetime: the store never hands out an expired token).
 * - `delete(key, expected)` removes the entry only if it is still exactly `expected` (compare-and-delete),
 *   so a process that saw an old token rejected never deletes the newer one another process stored.
 *   Without `expected` it removes whatever is there.
 * - `acquireLock(key, ttlMs)` (optional) takes an exclusive lock for `key` that expires on its own after
 *   `ttlMs` (so a crashed holder cannot block the fleet), or returns `null` at once when another holder
 *   has it. It never waits. The holder fetches a token and `set`s it; the others keep serving their
 *   still-valid token, or, when they have none, read the store every `lockPollInterval` until the entry
 *   appears or the lock frees. Without `acquireLock` every process fetches on its own.
 *
 * Entries contain the access token: protect the store as you would the credentials (TLS, ACLs).
 * A store that throws is treated as empty: tokens are then fetched from the network.
 *
 * @example
 * ```ts
 * // ioredis
 * const CAD = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
 * const store: TokenStore = {
 *   get: (key) => redis.get(key),
 *   set: async (key, entry, ttlMs) => { await redis.set(key, entry, 'PX', ttlMs); },
 *   delete: async (key, expected) =>
 *     (expected === undefined ? await redis.del(key) : await redis.eval(CAD, 1, key, expected)) === 1,
 *   acquireLock: async (key, ttlMs) => {
 *     const id = crypto.randomUUID();
 *     const ok = await redis.set(`${key}:lock`, id, 'PX', ttlMs, 'NX');
 *     return ok === 'OK' ? { release: async () => { await redis.eval(CAD, 1, `${key}:lock`, id); } } : null;
 *   },
 * };
 * ```
 */
export interface TokenStore {
  /** The entry stored for `key`, or `undefined`/`null` when there is none (or it expired). */
  get(key: string): Promise<string | null | undefined> | string | null | undefined;
  /** Stores `entry` for `key` for `ttlMs` milliseconds, replacing any other entry. */
  set(key: string, entry: string, ttlMs: number): Promise<void> | void;
  /**
   * Removes the entry for `key`, but only if it equals `expected` when that is given. Returns whether
   * something was removed.
   */
  delete(key: string, expected?: string): Promise<boolean> | boolean;
  /**
   * Takes the exclusive lock for `key` for at most `ttlMs`, or returns `null` at once when it is held.
   * Optional: without it there is no cross-process single flight.
   */
  acquireLock?(key: string, ttlMs: number): Promise<TokenStoreLock | null> | TokenStoreLock | null;
  /**
   * Replaces the entry for `key` with `entry` only if it is still exactly `expected` (`null`: only if there is
   * none), atomically; returns whether it was written. `ttlMs` bounds the new entry's life (none: it stays
   * until replaced or deleted). Optional for access tokens; a refresh token that rotates needs it, so two
   * processes can never overwrite each other's newer refresh token.
   */
  compareAndSet?(
    key: string,
    expected: string | null,
    entry: string,
    ttlMs?: number,
  ): Promise<boolean> | boolean;
}

/** What a store entry holds, serialized as JSON by the token source. */
export interface StoredTokenRecord {
  readonly version: 1;
  readonly accessToken: string;
  readonly tokenType: string;
  /** Epoch ms when the token was requested. */
  readonly issuedAt: number;
  /** Epoch ms when the token expires. */
  readonly expiresAt: number;
  /** The server's `refresh_in` hint in ms after `issuedAt`, when it gave one. */
  readonly refreshIn?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function serializeRecord(record: StoredTokenRecord): string {
  return JSON.stringify(record);
}

/** Why a {@link TokenStore} entry cannot be used: not a token source's entry, or a token that is not header-safe. */
export type TokenEntryProblem = 'malformed' | 'not-header-safe';

function readRecord(entry: unknown): StoredTokenRecord | TokenEntryProblem {
  if (typeof entry !== 'string') return 'malformed';
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return 'malformed';
  }
  if (typeof value !== 'object' || value === null) return 'malformed';
  const record = value as Record<string, unknown>;
  if (
    record.version !== 1 ||
    typeof record.accessToken !== 'string' ||
    typeof record.tokenType !== 'string' ||
    typeof record.issuedAt !== 'number' ||
    typeof record.expiresAt !== 'number' ||
    (record.refreshIn !== undefined && typeof record.refreshIn !== 'number') ||
    (record.extra !== undefined && (typeof record.extra !== 'object' || record.extra === null))
  ) {
    return 'malformed';
  }
  if (
    headerValueProblem(record.accessToken) !== undefined ||
    headerValueProblem(record.tokenType) !== undefined
  ) {
    return 'not-header-safe';
  }
  return record as unknown as StoredTokenRecord;
}

/**
 * Checks an entry the way a token source does before using it, for stores that want to report a bad entry
 * themselves: `undefined` when it is usable.
 *
 * @example
 * ```ts
 * const entry = await redis.get(key);
 * return entry !== null && tokenEntryProblem(entry) === undefined ? entry : null;
 * ```
 */
export function tokenEntryProblem(entry: string): TokenEntryProblem | undefined {
  const read = readRecord(entry);
  return typeof read === 'string' ? read : undefined;
}

/**
 * Parses an entry; anything malformed (another writer, another version) reads as absent, and so does a token
 * or token type that could not be sent as it is: a tampered entry costs a token request, it neither puts a
 * forged header on the wire nor stops every process that shares the store until it expires.
 */
export function parseRecord(entry: string | null | undefined): StoredTokenRecord | undefined {
  const read = readRecord(entry);
  return typeof read === 'string' ? undefined : read;
}
