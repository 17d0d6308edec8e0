import { ConfigError, revealSecret, type Secret } from '@attache/core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { ConnectionEvents } from './redis-availability.ts';

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

/** The connection options of the store: the ones that say which client it uses. */
export interface ClientOptions {
  readonly client?: Redis | Cluster;
  readonly url?: string | Secret;
  readonly redisOptions?: RedisOptions;
  readonly cluster?: RedisClusterOptions;
}

/** The commands the store sends, as both ioredis `Redis` and `Cluster` type them. */
export interface RedisCommands extends ConnectionEvents {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
  del(key: string): Promise<number>;
  eval(script: string, keys: number, key: string, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

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

function createOwnedClient(options: ClientOptions): RedisCommands {
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

/** Checks that exactly one way to reach Redis is given. */
export function checkClientOptions(options: ClientOptions): void {
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
}

/** The client the store talks to, and whether the store created it (and so closes it). */
export function resolveClient(options: ClientOptions): { client: RedisCommands; owned: boolean } {
  const given = options.client;
  if (given !== undefined) return { client: given as unknown as RedisCommands, owned: false };
  return { client: createOwnedClient(options), owned: true };
}

/** Closes a client the store created: politely when it is connected, else by dropping the connection. */
export async function closeOwnedClient(client: RedisCommands): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: drop the connection.
    }
  }
  client.disconnect();
}
