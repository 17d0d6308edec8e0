import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
import { entry } from './support/entries.ts';
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

function store(events?: RedisTokenStoreEvent[]): RedisTokenStore {
  const created = createRedisTokenStore({
    url: redis.url,
    ...(events === undefined ? {} : { onEvent: (event: RedisTokenStoreEvent) => events.push(event) }),
  });
  stores.push(created);
  return created;
}

describe('entries', () => {
  it('stores an entry under <prefix>token:<key> with the given time to live', async () => {
    const s = store();
    await s.set('partner:robot', entry('e1'), 60_000);
    expect(await s.get('partner:robot')).toBe(entry('e1'));
    expect(await redis.admin.get('attache:token:partner:robot')).toBe(entry('e1'));
    const pttl = await redis.admin.pttl('attache:token:partner:robot');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('reads null for a missing entry and replaces an entry on set', async () => {
    const s = store();
    expect(await s.get('missing')).toBeNull();
    await s.set('k', entry('one'), 60_000);
    await s.set('k', entry('two'), 60_000);
    expect(await s.get('k')).toBe(entry('two'));
  });

  it('rounds a fractional time to live up and stores nothing for a non-positive one', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis({ port: redis.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    // What is sent to Redis, read on the way: a 1 ms entry may be gone before PTTL could be asked.
    const sent: unknown[][] = [];
    const set = client.set.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { set: typeof set }).set = (...args) => {
      sent.push(args);
      return set(...args);
    };
    try {
      const s = createRedisTokenStore({ client });
      await s.set('fraction', entry('x'), 0.2);
      await s.set('longer', entry('x'), 1500.2);
      expect(sent.map((args) => args.slice(2))).toEqual([
        ['PX', 1],
        ['PX', 1501],
      ]);
      await s.set('zero', entry('x'), 0);
      await s.set('negative', entry('x'), -5);
      expect(await redis.admin.exists('attache:token:zero', 'attache:token:negative')).toBe(0);
      expect(sent).toHaveLength(2);
      await s.close();
    } finally {
      client.disconnect();
    }
  });

  it('uses the prefix it is given', async () => {
    const s = createRedisTokenStore({ url: redis.url, prefix: 'svc-a:' });
    stores.push(s);
    await s.set('k', entry('v'), 60_000);
    expect(await redis.admin.get('svc-a:token:k')).toBe(entry('v'));
    expect(await store().get('k')).toBeNull();
  });
});

describe('delete', () => {
  it('without expected removes whatever is there', async () => {
    const s = store();
    await s.set('k', entry('v'), 60_000);
    expect(await s.delete('k')).toBe(true);
    expect(await s.delete('k')).toBe(false);
    expect(await s.get('k')).toBeNull();
  });

  it('with expected removes only that exact entry (compare-and-delete)', async () => {
    const a = store();
    const b = store();
    await a.set('k', entry('old'), 60_000);
    // Another process stored a newer entry after this one read "old".
    await b.set('k', entry('new'), 60_000);
    expect(await a.delete('k', entry('old'))).toBe(false);
    expect(await a.get('k')).toBe(entry('new'));
    expect(await a.delete('k', entry('new'))).toBe(true);
    expect(await a.get('k')).toBeNull();
  });
});

describe('lock', () => {
  it('is exclusive across stores (processes) and expires by itself', async () => {
    const stores3 = [store(), store(), store()];
    const locks = await Promise.all(stores3.map((s) => s.acquireLock('k', 30_000)));
    expect(locks.filter((lock) => lock !== null)).toHaveLength(1);
    const pttl = await redis.admin.pttl('attache:lock:k');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('100 concurrent attempts from 4 stores: exactly one holder', async () => {
    const many = [store(), store(), store(), store()];
    const attempts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => many[i % many.length]!.acquireLock('hot', 30_000)),
    );
    expect(attempts.filter((lock) => lock !== null)).toHaveLength(1);
  });

  it('holds a unique random value and is free again after release', async () => {
    const s = store();
    const lock = await s.acquireLock('k', 30_000);
    const value = await redis.admin.get('attache:lock:k');
    expect(value).toMatch(/^[0-9a-f-]{36}$/);
    expect(await s.acquireLock('k', 30_000)).toBeNull();
    await lock!.release();
    expect(await redis.admin.exists('attache:lock:k')).toBe(0);
    const again = await s.acquireLock('k', 30_000);
    expect(again).not.toBeNull();
    expect(await redis.admin.get('attache:lock:k')).not.toBe(value);
  });

  it('a holder whose lock expired never releases the next holder’s lock', async () => {
    const a = store();
    const b = store();
    const first = await a.acquireLock('k', 30_000);
    // What expiry does, without waiting for it:
    await redis.admin.del('attache:lock:k');
    const second = await b.acquireLock('k', 30_000);
    expect(second).not.toBeNull();
    const secondValue = await redis.admin.get('attache:lock:k');
    await first!.release();
    expect(await redis.admin.get('attache:lock:k')).toBe(secondValue);
    expect(await a.acquireLock('k', 30_000)).toBeNull();
    await second!.release();
    expect(await redis.admin.exists('attache:lock:k')).toBe(0);
  });

  it('locks and entries of different keys are independent', async () => {
    const s = store();
    expect(await s.acquireLock('a', 30_000)).not.toBeNull();
    expect(await s.acquireLock('b', 30_000)).not.toBeNull();
    await s.set('a', entry('entry'), 60_000);
    expect(await redis.admin.get('attache:lock:a')).not.toBe('entry');
  });
});

describe('least privilege', () => {
  it('works as an ACL user limited to GET, SET, DEL, EVAL, PTTL, PEXPIRE and INFO on its prefix', async () => {
    await redis.admin.call(
      'ACL',
      'SETUSER',
      'attache',
      'reset',
      'on',
      '>acl-pass',
      '~attache:*',
      '+get',
      '+set',
      '+del',
      '+eval',
      '+pttl',
      '+pexpire',
      '+info',
    );
    await redis.admin.call('ACL', 'LOG', 'RESET');
    const s = createRedisTokenStore({ url: `redis://attache:acl-pass@127.0.0.1:${redis.port}` });
    stores.push(s);
    await s.set('k', entry('v'), 60_000);
    expect(await s.get('k')).toBe(entry('v'));
    const lock = await s.acquireLock('k', 30_000);
    expect(lock).not.toBeNull();
    // Held: the script reads its time to live.
    expect(await s.acquireLock('k', 30_000)).toBeNull();
    await lock!.release();
    expect(await redis.admin.exists('attache:lock:k')).toBe(0);
    expect(await s.delete('k', entry('v'))).toBe(true);
    expect(await redis.admin.call('ACL', 'LOG')).toEqual([]);
    await redis.admin.call('ACL', 'DELUSER', 'attache');
  });
});

describe('client', () => {
  it('uses an ioredis client it is given and leaves it open on close', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis({ port: redis.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      const s = createRedisTokenStore({ client });
      await s.set('k', entry('v'), 60_000);
      expect(await s.get('k')).toBe(entry('v'));
      await s.close();
      expect(client.status).toBe('ready');
      expect(await client.get('attache:token:k')).toBe(entry('v'));
      await expect(s.get('k')).rejects.toMatchObject({ code: 'NETWORK' });
    } finally {
      client.disconnect();
    }
  });

  it('waits for a lazily connecting client on the first operation', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
    try {
      const s = createRedisTokenStore({ client });
      expect(client.status).toBe('wait');
      await s.set('k', entry('v'), 60_000);
      expect(await s.get('k')).toBe(entry('v'));
      expect(s.isAvailable()).toBe(true);
      await s.close();
    } finally {
      client.disconnect();
    }
  });

  it('closes the client it created', async () => {
    const events: RedisTokenStoreEvent[] = [];
    const s = createRedisTokenStore({ url: redis.url, onEvent: (event) => events.push(event) });
    await s.set('k', entry('v'), 60_000);
    expect(s.isAvailable()).toBe(true);
    await s.close();
    expect(s.isAvailable()).toBe(false);
    await expect(s.get('k')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(events).toEqual([]);
  });
});
