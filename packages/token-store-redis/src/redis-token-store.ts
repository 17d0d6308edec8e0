import {
  ConfigError,
  revealSecret,
  type Secret,
  type TokenStore,
  type TokenStoreLock,
  tokenEntryProblem,
} from '@attache/core';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { COMPARE_AND_DELETE } from './compare-and-delete.ts';
import { createEntryCipher, type EntryCipher, type EntryEncryptionOptions } from './entry-cipher.ts';
import { type ConnectionEvents, createAvailability } from './redis-availability.ts';
import type { RedisTokenStoreEvent, RedisTokenStoreListener } from './store-events.ts';

/**
 * Options of {@link redisTokenStore}. Give `client` (an ioredis client you own), or `url` and/or
 * `redisOptions` (the store creates its own client and closes it in `close()`).
 *
 * @example
 * ```ts
 * const options: RedisTokenStoreOptions = {
 *   url: secret(process.env.REDIS_URL!), // rediss://user:password@redis.internal:6380
 *   encryption: { key: Buffer.from(process.env.TOKEN_STORE_KEY!, 'base64') },
 *   onEvent: (event) => log.warn(event),
 * };
 * ```
 */
export interface RedisTokenStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster` client. The store does not close it. Configure it with
   * `maxRetriesPerRequest: 0` so a command cut off by a disconnection is not replayed after the outage.
   */
  readonly client?: Redis | Cluster;
  /**
   * A `redis://` or `rediss://` URL (TLS: use `rediss://` for any Redis that is not on loopback). It may
   * carry a user name and password, so a `Secret` is accepted; it is never printed.
   */
  readonly url?: string | Secret;
  /**
   * ioredis options for the client the store creates, over the store's defaults: `enableOfflineQueue: false`,
   * `maxRetriesPerRequest: 0` (nothing queues during an outage) and reconnection every 0.2 s, 0.4 s … 2 s.
   */
  readonly redisOptions?: RedisOptions;
  /**
   * Prefix of every Redis key the store writes: entries are `<prefix>token:<cache key>`, locks
   * `<prefix>lock:<cache key>`. Default `attache:`.
   */
  readonly prefix?: string;
  /**
   * Encrypts entries with AES-GCM (WebCrypto) before they reach Redis, each value with a fresh random IV and
   * bound to its cache key. Use it whenever the Redis is shared with anything you do not fully trust.
   * Entries that do not decrypt (another key, tampered with, written unencrypted) read as absent.
   * Default: entries are stored as plain JSON, token included.
   */
  readonly encryption?: EntryEncryptionOptions;
  /**
   * The longest a store operation may take, in ms, waiting for the connection included. Past it the
   * operation fails, Redis counts as unavailable, and the token source fetches without it. Default `1_000`.
   */
  readonly operationTimeout?: number;
  /**
   * After an operation timed out on a connection that still looks open, how long (ms) operations fail at
   * once before Redis is tried again. A lost connection is retried as soon as it is back. Default `5_000`.
   */
  readonly recheckInterval?: number;
  /** Receives `store:unavailable`, `store:available` and `store:entry-rejected` events. Never a token. */
  readonly onEvent?: RedisTokenStoreListener;
}

/**
 * A `TokenStore` on Redis. Pass it as `store` to `createTokenSource` (or to any Attaché token-based
 * authenticator that takes one).
 */
export interface RedisTokenStore extends TokenStore {
  get(key: string): Promise<string | null>;
  set(key: string, entry: string, ttlMs: number): Promise<void>;
  delete(key: string, expected?: string): Promise<boolean>;
  /**
   * `SET <prefix>lock:<key> <random id> NX PX ttlMs`; the lock's `release()` deletes it only while it still
   * holds that id.
   */
  acquireLock(key: string, ttlMs: number): Promise<TokenStoreLock | null>;
  /** Whether Redis is connected and answering, as far as the store knows. */
  isAvailable(): boolean;
  /** Stops using Redis: closes the client the store created (a `client` you gave stays open). */
  close(): Promise<void>;
}

/** The commands the store sends, as both ioredis `Redis` and `Cluster` type them. */
interface RedisCommands extends ConnectionEvents {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
  del(key: string): Promise<number>;
  eval(script: string, keys: number, key: string, arg: string): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

const DEFAULTS = {
  prefix: 'attache:',
  operationTimeout: 1_000,
  recheckInterval: 5_000,
} as const;

const OWNED_CLIENT_DEFAULTS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
};

function isClient(value: unknown): value is RedisCommands {
  const client = value as Partial<RedisCommands> | null;
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof client.status === 'string' &&
    typeof client.get === 'function' &&
    typeof client.set === 'function' &&
    typeof client.del === 'function' &&
    typeof client.eval === 'function' &&
    typeof client.on === 'function' &&
    typeof client.off === 'function'
  );
}

function checkDuration(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`redisTokenStore: ${field} must be a positive number of ms, got ${String(value)}`);
  }
}

function readUrl(value: unknown): string {
  let url: string;
  try {
    url = revealSecret(value as string | Secret);
  } catch {
    url = '';
  }
  let protocol = '';
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : '';
  } catch {
    // Not a URL; the message below must not repeat it (it may hold a password).
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new ConfigError('redisTokenStore: url must be a redis:// or rediss:// URL (a string or a Secret)');
  }
  return url;
}

function createClient(options: RedisTokenStoreOptions): RedisCommands {
  const extra = options.redisOptions;
  if (extra !== undefined && (typeof extra !== 'object' || extra === null)) {
    throw new ConfigError('redisTokenStore: redisOptions must be an object of ioredis options');
  }
  // The client is the store's alone; RESP2-shaped replies are what its few commands expect.
  const merged = { ...OWNED_CLIENT_DEFAULTS, ...extra, replyMapping: 'legacy' as const };
  const client = options.url === undefined ? new Redis(merged) : new Redis(readUrl(options.url), merged);
  return client as unknown as RedisCommands;
}

/**
 * Creates a `TokenStore` on Redis (ioredis) so that a fleet of processes shares one token per cache
 * key instead of each fetching its own:
 *
 * - **Cross-process lock**: `SET NX PX` with a random value; released by an atomic compare-and-delete, so a
 *   holder whose lock expired never removes the next holder's. A crashed holder's lock expires after the
 *   token source's `lockTtl`, and another process fetches.
 * - **Waiters pick up the stored token**: processes that find the lock taken read the entry until it appears
 *   (the token source's `lockPollInterval`).
 * - **Redis outage never stops calls**: an operation waits at most `operationTimeout`; while Redis is
 *   unreachable every operation fails at once, so token sources fetch tokens on their own; a
 *   `store:unavailable` event says so, and `store:available` when sharing resumes.
 * - **Encryption** (optional): AES-GCM through WebCrypto with your key; Redis never sees the token.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field, never the URL).
 * @example
 * ```ts
 * const store = redisTokenStore({ url: 'redis://127.0.0.1:6379', encryption: { key } });
 * const source = createTokenSource(fetchToken, { key: tokenCacheKey({ tokenEndpoint, clientId }), store });
 * const fetch = createFetch({ baseUrl: 'https://partner.example', auth: tokenAuth({ source }) });
 * // on shutdown
 * await store.close();
 * ```
 */
export function redisTokenStore(options: RedisTokenStoreOptions): RedisTokenStore {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('redisTokenStore: options must be an object');
  }
  const given = options.client;
  if (given !== undefined && (options.url !== undefined || options.redisOptions !== undefined)) {
    throw new ConfigError('redisTokenStore: give either client, or url/redisOptions, not both');
  }
  if (given === undefined && options.url === undefined && options.redisOptions === undefined) {
    throw new ConfigError('redisTokenStore: client (an ioredis client) or url is required');
  }
  if (given !== undefined && !isClient(given)) {
    throw new ConfigError('redisTokenStore: client must be an ioredis Redis or Cluster client');
  }
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string') throw new ConfigError('redisTokenStore: prefix must be a string');
  checkDuration(options.operationTimeout, 'operationTimeout');
  checkDuration(options.recheckInterval, 'recheckInterval');
  const listener = options.onEvent;
  if (listener !== undefined && typeof listener !== 'function') {
    throw new ConfigError('redisTokenStore: onEvent must be a function');
  }
  const cipher: EntryCipher | undefined =
    options.encryption === undefined ? undefined : createEntryCipher(options.encryption);

  const owned = given === undefined;
  const client: RedisCommands = given === undefined ? createClient(options) : (given as RedisCommands);

  function emit(event: RedisTokenStoreEvent): void {
    if (listener === undefined) return;
    try {
      listener(event);
    } catch {
      // A faulty listener must not break token acquisition.
    }
  }

  const availability = createAvailability(client, {
    operationTimeout: options.operationTimeout ?? DEFAULTS.operationTimeout,
    recheckInterval: options.recheckInterval ?? DEFAULTS.recheckInterval,
    emit,
  });
  if (owned) {
    // Connection errors surface as `store:unavailable` events (with their code); without a listener ioredis
    // would print them. A client you give keeps its own error handling.
    (client as unknown as Redis).on('error', (error: unknown) => availability.noteError(error));
  }
  // The last entry per cache key that failed to decrypt, so one bad entry gives one event, not one per read.
  const rejected = new Map<string, string>();

  const entryKey = (key: string): string => `${prefix}token:${key}`;
  const lockKey = (key: string): string => `${prefix}lock:${key}`;
  // Redis refuses PX 0; the source never asks for less than 1 ms anyway.
  const px = (ttlMs: number): number => Math.max(1, Math.ceil(ttlMs));

  async function open(key: string, raw: string | null): Promise<string | null> {
    if (raw === null || cipher === undefined) return raw;
    const entry = await cipher.open(key, raw);
    if (entry !== undefined) return entry;
    if (rejected.get(key) !== raw) {
      rejected.set(key, raw);
      emit({ type: 'store:entry-rejected', store: 'redis', key, reason: 'undecryptable' });
    }
    return null;
  }

  function compareAndDelete(redisKey: string, expected: string): Promise<boolean> {
    return availability
      .run(() => client.eval(COMPARE_AND_DELETE, 1, redisKey, expected))
      .then((removed) => removed === 1);
  }

  return {
    async get(key) {
      const entry = await open(key, await availability.run(() => client.get(entryKey(key))));
      // A token entry whose token is not header-safe is a miss: it is never handed out to be sent.
      return entry !== null && tokenEntryProblem(entry) === 'not-header-safe' ? null : entry;
    },
    async set(key, entry, ttlMs) {
      if (!(ttlMs > 0)) return;
      const value = cipher === undefined ? entry : await cipher.seal(key, entry);
      await availability.run(() => client.set(entryKey(key), value, 'PX', px(ttlMs)));
    },
    async delete(key, expected) {
      if (expected === undefined) {
        return (await availability.run(() => client.del(entryKey(key)))) === 1;
      }
      if (cipher === undefined) return compareAndDelete(entryKey(key), expected);
      // Ciphertexts differ on every write: compare the decrypted entry, then delete that exact ciphertext.
      const raw = await availability.run(() => client.get(entryKey(key)));
      if (raw === null || (await cipher.open(key, raw)) !== expected) return false;
      return compareAndDelete(entryKey(key), raw);
    },
    async acquireLock(key, ttlMs) {
      const id = crypto.randomUUID();
      const name = lockKey(key);
      const taken = await availability.run(() => client.set(name, id, 'PX', px(ttlMs), 'NX'));
      if (taken !== 'OK') return null;
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await compareAndDelete(name, id);
        },
      };
    },
    isAvailable: () => availability.isAvailable(),
    async close() {
      availability.dispose();
      if (!owned) return;
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // Fall through: drop the connection.
        }
      }
      client.disconnect();
    },
  };
}
