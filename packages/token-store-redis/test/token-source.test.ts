// The store under the token source as core uses it: separate copies of @attache/core (separate token
// registries, like separate processes) over one Redis.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore } from '../src/index.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';

let redis: LocalRedis;
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await redis.admin.flushall();
});
afterAll(async () => {
  await redis?.close();
});

async function newProcess(): Promise<typeof import('@attache/core')> {
  vi.resetModules();
  return import('@attache/core');
}

describe.each([
  ['plain', undefined],
  ['encrypted', { key: crypto.getRandomValues(new Uint8Array(32)) }],
])('token source over the Redis store (%s)', (_name, encryption) => {
  function store(): RedisTokenStore {
    const created = createRedisTokenStore({
      url: redis.url,
      ...(encryption === undefined ? {} : { encryption }),
    });
    stores.push(created);
    return created;
  }

  it('invalidate removes the rejected token from Redis, and only that one', async () => {
    const key = `robot:${crypto.randomUUID()}`;
    let issued = 0;
    const fetchToken = async () => ({ accessToken: `token-${++issued}`, expiresIn: 3600 });
    const a = (await newProcess()).createTokenSource(fetchToken, { key, store: store() });
    const b = (await newProcess()).createTokenSource(fetchToken, { key, store: store() });
    const c = (await newProcess()).createTokenSource(fetchToken, { key, store: store() });

    const first = await a.get();
    expect((await c.get()).value.reveal()).toBe('token-1');
    expect(issued).toBe(1);

    // Process A's token was refused: the stored entry goes, so B fetches a new one instead of adopting it.
    expect(await a.invalidate(first)).toBe(true);
    expect(await redis.admin.exists(`attache:token:${key}`)).toBe(0);
    expect((await b.get()).value.reveal()).toBe('token-2');
    expect(issued).toBe(2);

    // A late 401 in process C for token-1 must not delete token-2.
    await c.invalidate(first);
    expect(await redis.admin.exists(`attache:token:${key}`)).toBe(1);
    const d = (await newProcess()).createTokenSource(fetchToken, { key, store: store() });
    expect((await d.get()).value.reveal()).toBe('token-2');
    expect(issued).toBe(2);
  });

  it('the lock: 5 processes, 20 concurrent get() each, on a cold cache: one fetch', async () => {
    const key = `cold:${crypto.randomUUID()}`;
    let fetches = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fetchToken = async () => {
      fetches++;
      await gate;
      return { accessToken: 'shared', expiresIn: 3600 };
    };
    const sources = await Promise.all(
      Array.from({ length: 5 }, async () =>
        (await newProcess()).createTokenSource(fetchToken, { key, store: store(), lockPollInterval: 10 }),
      ),
    );
    const gets = sources.flatMap((source) => Array.from({ length: 20 }, () => source.get()));
    await vi.waitFor(() => expect(fetches).toBe(1));
    release();
    const tokens = await Promise.all(gets);
    expect(new Set(tokens.map((token) => token.value.reveal()))).toEqual(new Set(['shared']));
    expect(fetches).toBe(1);
    expect(await redis.admin.exists(`attache:lock:${key}`)).toBe(0);
  });
});
