import { createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
import { entry } from './support/entries.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';

let redis: LocalRedis;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await redis?.close();
});

function store(options: Partial<Parameters<typeof createRedisTokenStore>[0]> = {}): {
  store: RedisTokenStore;
  events: RedisTokenStoreEvent[];
} {
  const events: RedisTokenStoreEvent[] = [];
  const created = createRedisTokenStore({
    url: redis.url,
    redisOptions: { retryStrategy: () => 50 },
    ...options,
    onEvent: (event) => events.push(event),
  });
  cleanup.push(() => created.close());
  return { store: created, events };
}

function nextEvent(events: RedisTokenStoreEvent[], type: RedisTokenStoreEvent['type']): Promise<void> {
  return vi.waitFor(() => expect(events.map((event) => event.type)).toContain(type), {
    timeout: 10_000,
    interval: 20,
  });
}

describe('Redis stopped and started again', () => {
  it('fails every operation at once while down, with one event, and resumes when Redis is back', async () => {
    const { store: s, events } = store();
    await s.set('k', entry('before'), 60_000);
    expect(s.isAvailable()).toBe(true);

    await redis.stop({ crash: true });
    await nextEvent(events, 'store:unavailable');
    expect(s.isAvailable()).toBe(false);
    const failures = await Promise.allSettled([
      s.get('k'),
      s.set('k', entry('during'), 60_000),
      s.delete('k', entry('before')),
      s.acquireLock('k', 30_000),
    ]);
    for (const failure of failures) {
      expect(failure).toMatchObject({
        status: 'rejected',
        reason: { code: 'NETWORK', name: 'NetworkError' },
      });
    }
    expect(events).toEqual([
      expect.objectContaining({ type: 'store:unavailable', store: 'redis', reason: 'disconnected' }),
    ]);

    await redis.restart();
    await nextEvent(events, 'store:available');
    expect(events[1]).toMatchObject({ type: 'store:available', store: 'redis' });
    expect((events[1] as { unavailableMs: number }).unavailableMs).toBeGreaterThanOrEqual(0);
    expect(s.isAvailable()).toBe(true);
    // The restarted server is empty (no persistence): sharing starts over.
    expect(await s.get('k')).toBeNull();
    await s.set('k', entry('after'), 60_000);
    expect(await s.get('k')).toBe(entry('after'));
    expect(events).toHaveLength(2);
  });

  it('Redis down from the start: the first operation fails within operationTimeout, the next at once', async () => {
    const { store: s, events } = store({ url: 'redis://127.0.0.1:1', operationTimeout: 300 });
    await expect(s.get('k')).rejects.toMatchObject({ code: 'NETWORK' });
    await expect(s.acquireLock('k', 1_000)).rejects.toMatchObject({ code: 'NETWORK' });
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      type: 'store:unavailable',
      store: 'redis',
      reason: 'disconnected',
      code: 'ECONNREFUSED',
    });
  });
});

describe('Redis that stops answering', () => {
  it('times out after operationTimeout, then fails at once until recheckInterval has passed', async () => {
    const client = new Redis({ port: redis.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    cleanup.push(() => client.disconnect());
    await client.ping();
    const events: RedisTokenStoreEvent[] = [];
    const s = createRedisTokenStore({
      client,
      operationTimeout: 100,
      recheckInterval: 200,
      onEvent: (event) => events.push(event),
    });
    cleanup.push(() => s.close());
    const get = vi.spyOn(client, 'get');

    // Every client of the server is held for 1.5 s: the connection stays open but nothing is answered.
    await redis.admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await expect(s.get('paused')).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringMatching(/timeout/),
    });
    expect(events).toEqual([{ type: 'store:unavailable', store: 'redis', reason: 'timeout' }]);
    expect(get).toHaveBeenCalledTimes(1);
    // Known to be unresponsive: no command is sent, nothing waits.
    await expect(s.get('paused')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(get).toHaveBeenCalledTimes(1);

    // Once the pause is over and recheckInterval has passed, Redis is tried again and answers.
    await vi.waitFor(async () => expect(await s.get('paused')).toBeNull(), {
      timeout: 10_000,
      interval: 100,
    });
    expect(events.at(-1)).toMatchObject({ type: 'store:available' });
  });
});

describe('Redis refusing a command', () => {
  it('reports command-failed with Redis’s error word and keeps using Redis', async () => {
    const { store: s, events } = store();
    await s.set('k', entry('fits'), 60_000);
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.admin.config('SET', 'maxmemory', '1');
    cleanup.push(async () => {
      await redis.admin.config('SET', 'maxmemory', '0');
    });
    await expect(s.set('k', entry('too big'), 60_000)).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('command-failed, OOM'),
    });
    expect(events).toEqual([
      { type: 'store:unavailable', store: 'redis', reason: 'command-failed', code: 'OOM' },
    ]);
    expect(s.isAvailable()).toBe(true);
    expect(await s.get('k')).toBe(entry('fits'));
  });
});

describe('token source over a Redis that is down', () => {
  it('calls go on: one local fetch for 50 concurrent calls, and a store:unavailable event', async () => {
    const { store: s, events } = store({ url: 'redis://127.0.0.1:1', operationTimeout: 200 });
    let fetches = 0;
    const source = createTokenSource(
      async () => {
        fetches++;
        return { accessToken: secret('local-token'), expiresIn: 3600 };
      },
      { key: `outage:${crypto.randomUUID()}`, store: s },
    );
    const seen: string[] = [];
    const api = createFetch({
      baseUrl: 'https://partner.example',
      auth: tokenAuth({ source }),
      transport: async (request) => {
        seen.push(request.headers.get('authorization') ?? '');
        return new Response('{}', { status: 200 });
      },
    });
    const responses = await Promise.all(Array.from({ length: 50 }, () => api('orders')));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(seen)).toEqual(new Set(['Bearer local-token']));
    expect(fetches).toBe(1);
    expect(events).toEqual([expect.objectContaining({ type: 'store:unavailable', reason: 'disconnected' })]);
  });
});
