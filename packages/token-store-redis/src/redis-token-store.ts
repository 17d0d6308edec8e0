import {
  type AttacheEventListener,
  type AttacheEventSource,
  ConfigError,
  type Secret,
  type TokenStore,
  type TokenStoreLock,
} from '@attache/core';
import { checkOptionalNumber } from '@attache/core/internal';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { createEntryCipher, type EntryEncryptionOptions } from './entry-cipher.ts';
import { createAvailability } from './redis-availability.ts';
import {
  checkClientOptions,
  closeOwnedClient,
  type RedisClusterOptions,
  resolveClient,
} from './redis-client.ts';
import { compareAndSetEntry, deleteEntry, getEntry, setEntry } from './store-entries.ts';
import { createStoreListeners, type RedisTokenStoreListener } from './store-events.ts';
import { acquireLock } from './store-lock.ts';
import type { StoreState } from './store-state.ts';

export type { RedisClusterOptions } from './redis-client.ts';

/**
 * Options of {@link createRedisTokenStore}. Give `client` (an ioredis client you own), or `url` and/or
 * `redisOptions`, or `cluster` (the store creates its own client and closes it in `close()`).
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
   * A Redis Cluster: the store creates an ioredis `Cluster` client. Entries and locks of one cache key may
   * live on different shards; a failover costs what any outage costs (calls go on, tokens are fetched
   * locally) until the replica is promoted, then sharing resumes.
   */
  readonly cluster?: RedisClusterOptions;
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
  /**
   * Receives `store:unavailable`, `store:available`, `store:entry-rejected` and `store:lock-bypassed`
   * events. Never a token. A client does not need it: when the store is given to the client's authenticator
   * (through its token source), the client's own `onEvent` receives these events too (see `subscribe`).
   */
  readonly onEvent?: RedisTokenStoreListener;
}

/**
 * A `TokenStore` on Redis. Pass it as `store` to `createTokenSource` (or to any Attaché token-based
 * authenticator that takes one).
 */
export interface RedisTokenStore extends TokenStore, AttacheEventSource {
  get(key: string): Promise<string | null>;
  set(key: string, entry: string, ttlMs: number): Promise<void>;
  delete(key: string, expected?: string): Promise<boolean>;
  /**
   * `SET <prefix>lock:<key> <random id> NX PX ttlMs`; the lock's `release()` deletes it only while it still
   * holds that id.
   */
  acquireLock(key: string, ttlMs: number): Promise<TokenStoreLock | null>;
  /** A script that replaces the entry only while it still holds `expected` (with encryption: decrypts to it). */
  compareAndSet(key: string, expected: string | null, entry: string, ttlMs?: number): Promise<boolean>;
  /** Whether Redis is connected and answering, as far as the store knows. */
  isAvailable(): boolean;
  /** Stops using Redis: closes the client the store created (a `client` you gave stays open). */
  close(): Promise<void>;
  /**
   * Adds a listener of the store's events, besides `onEvent`; returns what removes it. A client whose
   * authenticator holds this store subscribes its own `onEvent` listener, so the store's events join the
   * client's one stream. A listener added more than once (or also given as `onEvent`) is called once per event.
   */
  subscribe(listener: AttacheEventListener): () => void;
}

const DEFAULTS = {
  prefix: 'attache:',
  operationTimeout: 1_000,
  recheckInterval: 5_000,
} as const;

const MS = { min: 'positive', unit: 'ms' } as const;

function checkOptions(options: RedisTokenStoreOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createRedisTokenStore: options must be an object');
  }
  checkClientOptions(options);
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string') throw new ConfigError('createRedisTokenStore: prefix must be a string');
  checkOptionalNumber(options.operationTimeout, 'createRedisTokenStore: operationTimeout', MS);
  checkOptionalNumber(options.recheckInterval, 'createRedisTokenStore: recheckInterval', MS);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new ConfigError('createRedisTokenStore: onEvent must be a function');
  }
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
 * const store = createRedisTokenStore({ url: 'redis://127.0.0.1:6379', encryption: { key } });
 * const source = createTokenSource(fetchToken, { key: tokenCacheKey({ tokenEndpoint, clientId }), store });
 * const fetch = createFetch({ baseUrl: 'https://partner.example', auth: tokenAuth({ source }) });
 * // on shutdown
 * await store.close();
 * ```
 */
export function createRedisTokenStore(options: RedisTokenStoreOptions): RedisTokenStore {
  checkOptions(options);
  // Checked before a client is created: a key that will not do must not leave a connection open.
  const cipher = options.encryption === undefined ? undefined : createEntryCipher(options.encryption);
  const { client, owned } = resolveClient(options);
  const listeners = createStoreListeners(options.onEvent);
  const availability = createAvailability(client, {
    operationTimeout: options.operationTimeout ?? DEFAULTS.operationTimeout,
    recheckInterval: options.recheckInterval ?? DEFAULTS.recheckInterval,
    emit: listeners.emit,
  });
  if (owned) {
    // Connection errors surface as `store:unavailable` events (with their code); without a listener ioredis
    // would print them. A client you give keeps its own error handling.
    (client as unknown as Redis).on('error', (error: unknown) => availability.noteError(error));
  }
  const state: StoreState = {
    client,
    availability,
    cipher,
    prefix: options.prefix ?? DEFAULTS.prefix,
    emit: listeners.emit,
    rejected: new Map(),
    waiting: new Map(),
  };

  return {
    get: (key) => getEntry(state, key),
    set: (key, entry, ttlMs) => setEntry(state, key, entry, ttlMs),
    delete: (key, expected) => deleteEntry(state, key, expected),
    compareAndSet: (key, expected, entry, ttlMs) => compareAndSetEntry(state, key, expected, entry, ttlMs),
    acquireLock: (key, ttlMs) => acquireLock(state, key, ttlMs),
    isAvailable: () => availability.isAvailable(),
    subscribe: listeners.subscribe,
    async close() {
      availability.dispose();
      if (owned) await closeOwnedClient(client);
    },
  };
}
