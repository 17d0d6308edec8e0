import { ConfigError, revealSecret, type Secret, type TokenStore, type TokenStoreLock } from '@attache/core';
import { callListener, checkOptionalNumber } from '@attache/core/internal';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { ACQUIRE_LOCK, lockAnswer } from './acquire-lock.ts';
import { COMPARE_AND_DELETE, COMPARE_AND_SET } from './compare-and-delete.ts';
import { checkEntry, type EntryRejectionReason } from './entry-check.ts';
import { createEntryCipher, type EntryCipher, type EntryEncryptionOptions } from './entry-cipher.ts';
import { type ConnectionEvents, createAvailability } from './redis-availability.ts';
import type { RedisTokenStoreEvent, RedisTokenStoreListener } from './store-events.ts';

/**
 * A Redis Cluster for the store to connect to with its own ioredis `Cluster` client.
 *
 * @example
 * ```ts
 * const cluster: RedisClusterOptions = {
 *   nodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379', 'redis://10.0.0.3:6379'],
 *   options: { redisOptions: { password: process.env.REDIS_PASSWORD } },
 * };
 * ```
 */
export interface RedisClusterOptions {
  /** Some of the cluster's nodes (`redis://host:port`, `host:port` or `{ host, port }`); the rest are discovered. */
  readonly nodes: readonly ClusterNode[];
  /**
   * ioredis `Cluster` options over the store's defaults: `enableOfflineQueue: false` and, for every node,
   * `maxRetriesPerRequest: 0` (nothing queues during an outage).
   */
  readonly options?: ClusterOptions;
}

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
   * events. Never a token.
   */
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
  /** A script that replaces the entry only while it still holds `expected` (with encryption: decrypts to it). */
  compareAndSet(key: string, expected: string | null, entry: string, ttlMs?: number): Promise<boolean>;
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
  eval(script: string, keys: number, key: string, ...args: (string | number)[]): Promise<unknown>;
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
    throw new ConfigError(
      'createRedisTokenStore: url must be a redis:// or rediss:// URL (a string or a Secret)',
    );
  }
  return url;
}

function createCluster(cluster: RedisClusterOptions): RedisCommands {
  if (
    typeof cluster !== 'object' ||
    cluster === null ||
    !Array.isArray(cluster.nodes) ||
    cluster.nodes.length === 0
  ) {
    throw new ConfigError('createRedisTokenStore: cluster.nodes must list at least one node');
  }
  const extra = cluster.options;
  if (extra !== undefined && (typeof extra !== 'object' || extra === null)) {
    throw new ConfigError(
      'createRedisTokenStore: cluster.options must be an object of ioredis Cluster options',
    );
  }
  const client = new Cluster([...cluster.nodes], {
    enableOfflineQueue: false,
    clusterRetryStrategy: OWNED_CLIENT_DEFAULTS.retryStrategy,
    ...extra,
    redisOptions: {
      maxRetriesPerRequest: 0,
      ...extra?.redisOptions,
      replyMapping: 'legacy' as const,
    },
  });
  return client as unknown as RedisCommands;
}

function createClient(options: RedisTokenStoreOptions): RedisCommands {
  if (options.cluster !== undefined) return createCluster(options.cluster);
  const extra = options.redisOptions;
  if (extra !== undefined && (typeof extra !== 'object' || extra === null)) {
    throw new ConfigError('createRedisTokenStore: redisOptions must be an object of ioredis options');
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
 * const store = createRedisTokenStore({ url: 'redis://127.0.0.1:6379', encryption: { key } });
 * const source = createTokenSource(fetchToken, { key: tokenCacheKey({ tokenEndpoint, clientId }), store });
 * const fetch = createFetch({ baseUrl: 'https://partner.example', auth: tokenAuth({ source }) });
 * // on shutdown
 * await store.close();
 * ```
 */
export function createRedisTokenStore(options: RedisTokenStoreOptions): RedisTokenStore {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createRedisTokenStore: options must be an object');
  }
  const given = options.client;
  const ways = [
    given !== undefined,
    options.url !== undefined || options.redisOptions !== undefined,
    options.cluster !== undefined,
  ].filter(Boolean).length;
  if (ways > 1) {
    throw new ConfigError('createRedisTokenStore: give one of client, url/redisOptions or cluster');
  }
  if (ways === 0) {
    throw new ConfigError('createRedisTokenStore: client (an ioredis client), url or cluster is required');
  }
  if (given !== undefined && !isClient(given)) {
    throw new ConfigError('createRedisTokenStore: client must be an ioredis Redis or Cluster client');
  }
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string') throw new ConfigError('createRedisTokenStore: prefix must be a string');
  const ms = { min: 'positive', unit: 'ms' } as const;
  checkOptionalNumber(options.operationTimeout, 'createRedisTokenStore: operationTimeout', ms);
  checkOptionalNumber(options.recheckInterval, 'createRedisTokenStore: recheckInterval', ms);
  const listener = options.onEvent;
  if (listener !== undefined && typeof listener !== 'function') {
    throw new ConfigError('createRedisTokenStore: onEvent must be a function');
  }
  const cipher: EntryCipher | undefined =
    options.encryption === undefined ? undefined : createEntryCipher(options.encryption);

  const owned = given === undefined;
  const client: RedisCommands = given === undefined ? createClient(options) : (given as RedisCommands);

  const emit = (event: RedisTokenStoreEvent): void => callListener(listener, event);

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
  // The last entry per cache key that failed validation, so one bad entry gives one event, not one per read.
  const rejected = new Map<string, string>();
  // Per cache key, which holder's lock this process keeps finding, and since when: one holder seen for
  // longer than lockTtl means the lock is not freeing as a lock should. A new holder starts a new spell (the
  // last one's lock expired, as locks do); so does a gap of a whole lockTtl without asking.
  const waiting = new Map<string, { holder: string; since: number; last: number }>();

  const entryKey = (key: string): string => `${prefix}token:${key}`;
  const lockKey = (key: string): string => `${prefix}lock:${key}`;
  // Redis refuses PX 0; the source never asks for less than 1 ms anyway.
  const px = (ttlMs: number): number => Math.max(1, Math.ceil(ttlMs));

  function refuse(key: string, raw: string, reason: EntryRejectionReason): null {
    if (rejected.get(key) !== raw) {
      rejected.set(key, raw);
      emit({ type: 'store:entry-rejected', store: 'redis', key, reason });
    }
    return null;
  }

  /** The entry, decrypted and validated; `null` (a miss) for anything that must not reach a partner. */
  async function open(key: string, raw: string | null): Promise<string | null> {
    if (raw === null) return null;
    const entry = cipher === undefined ? raw : await cipher.open(key, raw);
    if (entry === undefined) return refuse(key, raw, 'undecryptable');
    const problem = checkEntry(entry);
    return problem === undefined ? entry : refuse(key, raw, problem);
  }

  /** How long this process has waited on `holder`'s lock, once that is `ttlMs` or more. */
  function waitedTooLong(key: string, holder: string, ttlMs: number): number | undefined {
    const t = Date.now();
    const spell = waiting.get(key);
    if (spell === undefined || spell.holder !== holder || t - spell.last > ttlMs) {
      if (waiting.size >= 1_000) waiting.clear();
      waiting.set(key, { holder, since: t, last: t });
      return undefined;
    }
    spell.last = t;
    if (t - spell.since < ttlMs) return undefined;
    waiting.delete(key);
    return t - spell.since;
  }

  /** A lock this process does not hold: the caller fetches without the fleet's single flight. */
  function bypass(key: string, reason: 'no-expiry' | 'held-too-long', waitedMs: number): TokenStoreLock {
    emit({ type: 'store:lock-bypassed', store: 'redis', key, reason, waitedMs });
    return { release: () => undefined };
  }

  function compareAndDelete(redisKey: string, expected: string): Promise<boolean> {
    return availability
      .run(() => client.eval(COMPARE_AND_DELETE, 1, redisKey, expected))
      .then((removed) => removed === 1);
  }

  return {
    async get(key) {
      // Checked in `open`: an entry that is not a token source's or whose values a header cannot carry is a miss.
      return open(key, await availability.run(() => client.get(entryKey(key))));
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
    async compareAndSet(key, expected, entry, ttlMs) {
      const name = entryKey(key);
      let expectedRaw = expected;
      if (expected !== null && cipher !== undefined) {
        // Ciphertexts differ on every write: compare the decrypted entry, then swap that exact ciphertext.
        const raw = await availability.run(() => client.get(name));
        if (raw === null || (await cipher.open(key, raw)) !== expected) return false;
        expectedRaw = raw;
      }
      const value = cipher === undefined ? entry : await cipher.seal(key, entry);
      const ttl = ttlMs === undefined ? '0' : String(px(ttlMs));
      const args = [expectedRaw === null ? 'absent' : 'present', expectedRaw ?? '', value, ttl];
      return (await availability.run(() => client.eval(COMPARE_AND_SET, 1, name, ...args))) === 1;
    },
    async acquireLock(key, ttlMs) {
      const id = crypto.randomUUID();
      const name = lockKey(key);
      const answer = lockAnswer(
        await availability.run(() => client.eval(ACQUIRE_LOCK, 1, name, id, px(ttlMs))),
      );
      if (!answer.taken && answer.withoutExpiry) {
        waiting.delete(key);
        return bypass(key, 'no-expiry', 0);
      }
      if (!answer.taken) {
        const waited = waitedTooLong(key, answer.holder, ttlMs);
        return waited === undefined ? null : bypass(key, 'held-too-long', waited);
      }
      waiting.delete(key);
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
