import { inspect } from 'node:util';
import { createTokenSource, secret } from '@attache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';

let redis: LocalRedis;
const stores: RedisTokenStore[] = [];
const TOKEN = 'tok_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const PASSWORD = 'redis-pass-5e1c0a9b';

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await redis.admin.config('SET', 'maxmemory', '0');
  await redis.admin.flushall();
});
afterAll(async () => {
  await redis?.close();
});

/** Every way an error or event could end up in a log. */
function printed(value: unknown): string {
  const error = value as Error;
  return [
    String(value),
    error?.message,
    error?.stack,
    JSON.stringify(value),
    inspect(value, { depth: 10, showHidden: true }),
    inspect((value as { cause?: unknown })?.cause, { depth: 10, showHidden: true }),
  ].join('\n');
}

describe('no token and no password in errors or events', () => {
  it('Redis refusing to store an entry (OOM): the error and the event do not carry the entry', async () => {
    const events: RedisTokenStoreEvent[] = [];
    const s = createRedisTokenStore({ url: redis.url, onEvent: (event) => events.push(event) });
    stores.push(s);
    await s.get('warm-up');
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.admin.config('SET', 'maxmemory', '1');
    const entry = JSON.stringify({ version: 1, accessToken: TOKEN, tokenType: 'Bearer' });
    const failure = await s.set('k', entry, 60_000).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'NETWORK' });
    expect(printed(failure)).not.toContain(TOKEN);
    expect(events).toHaveLength(1);
    expect(printed(events)).not.toContain(TOKEN);
  });

  it('the token source over a failing store: its errors and events carry no token', async () => {
    const events: unknown[] = [];
    const s = createRedisTokenStore({ url: redis.url, onEvent: (event) => events.push(event) });
    stores.push(s);
    await s.get('warm-up');
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.admin.config('SET', 'maxmemory', '1');
    const source = createTokenSource(async () => ({ accessToken: secret(TOKEN), expiresIn: 3600 }), {
      key: `oom:${crypto.randomUUID()}`,
      store: s,
      onEvent: (event) => events.push(event),
    });
    expect((await source.get()).value.reveal()).toBe(TOKEN);
    expect(events.length).toBeGreaterThan(0);
    expect(printed(events)).not.toContain(TOKEN);
  });

  it('a wrong password in the URL never appears in errors or events', async () => {
    const events: RedisTokenStoreEvent[] = [];
    const s = createRedisTokenStore({
      url: secret(`redis://robot:${PASSWORD}@127.0.0.1:${redis.port}`),
      operationTimeout: 500,
      onEvent: (event) => events.push(event),
    });
    stores.push(s);
    const failure = await s.get('k').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'NETWORK' });
    expect(printed(failure)).not.toContain(PASSWORD);
    expect(events).toEqual([
      { type: 'store:unavailable', store: 'redis', reason: 'disconnected', code: 'WRONGPASS' },
    ]);
    expect(printed(events)).not.toContain(PASSWORD);
  });
});
