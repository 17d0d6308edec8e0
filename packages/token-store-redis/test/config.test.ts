import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisTokenStore } from '../src/index.ts';

const URL = 'redis://127.0.0.1:1';

describe('createRedisTokenStore options', () => {
  it.each([
    ['options', null, /options must be an object/],
    ['client or url', {}, /client \(an ioredis client\), url or cluster is required/],
    ['client', { client: { get() {} } }, /client must be an ioredis Redis or Cluster client/],
    ['url', { url: 'http://127.0.0.1:6379' }, /url must be a redis:\/\/ or rediss:\/\/ URL/],
    ['url', { url: 42 }, /url must be a redis:\/\/ or rediss:\/\/ URL/],
    ['redisOptions', { redisOptions: 'fast' }, /redisOptions must be an object/],
    ['prefix', { url: URL, prefix: 1 }, /prefix must be a string/],
    [
      'operationTimeout',
      { url: URL, operationTimeout: 0 },
      /operationTimeout must be a positive number of ms, got 0/,
    ],
    [
      'operationTimeout',
      { url: URL, operationTimeout: Number.NaN },
      /operationTimeout must be a positive number/,
    ],
    ['recheckInterval', { url: URL, recheckInterval: -1 }, /recheckInterval must be a positive number of ms/],
    ['onEvent', { url: URL, onEvent: 'log' }, /onEvent must be a function/],
  ])('%s: throws a ConfigError naming it', (_field, options, message) => {
    expect(() => createRedisTokenStore(options as never)).toThrowError(
      expect.objectContaining({
        name: 'ConfigError',
        code: 'CONFIG',
        message: expect.stringMatching(message),
      }),
    );
  });

  it('refuses client together with url or redisOptions', () => {
    const client = new Redis({ lazyConnect: true });
    expect(() => createRedisTokenStore({ client, url: URL })).toThrowError(
      /one of client, url\/redisOptions or cluster/,
    );
    expect(() => createRedisTokenStore({ client, redisOptions: { db: 1 } })).toThrowError(/one of client/);
    expect(() => createRedisTokenStore({ url: URL, cluster: { nodes: ['127.0.0.1:7000'] } })).toThrowError(
      /one of client/,
    );
    expect(() => createRedisTokenStore({ cluster: { nodes: [] } })).toThrowError(
      /cluster.nodes must list at least one node/,
    );
    client.disconnect();
  });

  it('never repeats the URL (it may carry a password) in its error', () => {
    for (const url of ['ftp://user:hunter2@cache.internal', 'redis//:hunter2@cache.internal', 'hunter2']) {
      let caught: unknown;
      try {
        createRedisTokenStore({ url });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'CONFIG' });
      expect(String((caught as Error).message)).not.toContain('hunter2');
      expect(String((caught as Error).stack)).not.toContain('hunter2');
    }
  });
});
