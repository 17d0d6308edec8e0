// A lock that never frees (no time to live) or outlives lockTtl (a holder with a longer lockTtl, a lock
// extended by hand) holds no caller longer than lockTtl: the caller fetches without it and a
// `store:lock-bypassed` event says so. Against a real redis-server; each token source is its own copy of
// @attache/core, as a separate process would be.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
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

function store(events: RedisTokenStoreEvent[]): RedisTokenStore {
  const created = createRedisTokenStore({ url: redis.url, onEvent: (event) => events.push(event) });
  stores.push(created);
  return created;
}

const LOCK_TTL = 600;
const POLL = 25;

async function source(key: string, events: RedisTokenStoreEvent[], counter: { issued: number }) {
  const core = await newProcess();
  return core.createTokenSource(
    async () => ({ accessToken: `token-${++counter.issued}`, expiresIn: 3_600 }),
    { key, store: store(events), lockTtl: LOCK_TTL, lockPollInterval: POLL },
  );
}

describe('locks that do not free', () => {
  it('a lock without expiry: callers fetch at once, the lock gets lockTtl, one event per process', async () => {
    const key = `no-expiry:${crypto.randomUUID()}`;
    await redis.admin.set(`attache:lock:${key}`, 'left-behind');
    expect(await redis.admin.pttl(`attache:lock:${key}`)).toBe(-1);
    const events: RedisTokenStoreEvent[] = [];
    const counter = { issued: 0 };
    const a = await source(key, events, counter);

    const started = performance.now();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => a.get()));
    const elapsed = performance.now() - started;
    expect(new Set(tokens.map((token) => token.value.reveal()))).toEqual(new Set(['token-1']));
    expect(counter.issued).toBe(1);
    expect(elapsed).toBeLessThan(LOCK_TTL);
    expect(events).toEqual([
      { type: 'store:lock-bypassed', store: 'redis', key, reason: 'no-expiry', waitedMs: 0 },
    ]);
    // The broken lock now frees on its own, within lockTtl.
    const pttl = await redis.admin.pttl(`attache:lock:${key}`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(LOCK_TTL);
    // Its token was stored: a second process adopts it without fetching.
    const b = await source(key, [], counter);
    expect((await b.get()).value.reveal()).toBe('token-1');
    expect(counter.issued).toBe(1);
  });

  it('a lock held past lockTtl: callers wait lockTtl, then fetch without it (event with how long)', async () => {
    const key = `held:${crypto.randomUUID()}`;
    // Another holder took it for a minute (a longer lockTtl than ours).
    await redis.admin.set(`attache:lock:${key}`, 'slow-holder', 'PX', 60_000);
    const events: RedisTokenStoreEvent[] = [];
    const counter = { issued: 0 };
    const a = await source(key, events, counter);

    const started = performance.now();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => a.get()));
    const elapsed = performance.now() - started;
    expect(new Set(tokens.map((token) => token.value.reveal()))).toEqual(new Set(['token-1']));
    expect(counter.issued).toBe(1);
    // Held for lockTtl (not less: the holder may be about to store a token), and not much more: one poll.
    expect(elapsed).toBeGreaterThanOrEqual(LOCK_TTL - 5);
    expect(elapsed).toBeLessThan(LOCK_TTL + 4 * POLL + 150);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'store:lock-bypassed',
      store: 'redis',
      key,
      reason: 'held-too-long',
    });
    const waited = (events[0] as { waitedMs: number }).waitedMs;
    expect(waited).toBeGreaterThanOrEqual(LOCK_TTL);
    expect(waited).toBeLessThan(LOCK_TTL + 2 * POLL + 100);
    // The other holder's lock is left alone: only its holder may remove it.
    expect(await redis.admin.get(`attache:lock:${key}`)).toBe('slow-holder');
  });

  it('a new holder starts the wait again: lockTtl is per holder, counted from when this process met it', async () => {
    const key = `next-holder:${crypto.randomUUID()}`;
    const events: RedisTokenStoreEvent[] = [];
    const s = store(events);
    const name = `attache:lock:${key}`;
    /** Asks for the lock every POLL ms, as a waiting token source does, until it is handed a (bypass) lock. */
    async function pollUntilHanded(): Promise<{ at: number; release(): Promise<void> | void }> {
      for (;;) {
        const lock = await s.acquireLock(key, LOCK_TTL);
        if (lock !== null) return { at: performance.now(), release: () => lock.release() };
        await new Promise((resolve) => setTimeout(resolve, POLL));
      }
    }
    await redis.admin.set(name, 'holder-1', 'PX', 60_000);
    const started = performance.now();
    const handed = pollUntilHanded();
    await new Promise((resolve) => setTimeout(resolve, LOCK_TTL / 2));
    // holder-1's lock expired; holder-2 took it (as another process would).
    await redis.admin.set(name, 'holder-2', 'PX', 60_000);
    const switched = performance.now();
    const lock = await handed;
    // Not lockTtl after the first holder was met, but lockTtl after the second was.
    expect(lock.at - started).toBeGreaterThanOrEqual(LOCK_TTL * 1.5 - 5);
    expect(lock.at - switched).toBeGreaterThanOrEqual(LOCK_TTL - 5);
    expect(lock.at - switched).toBeLessThan(LOCK_TTL + 2 * POLL + 100);
    expect(events).toEqual([
      expect.objectContaining({ type: 'store:lock-bypassed', key, reason: 'held-too-long' }),
    ]);
    // Releasing a bypass leaves the holder's lock alone.
    await lock.release();
    expect(await redis.admin.get(name)).toBe('holder-2');
  });

  it('an ordinary lock is waited for, not bypassed: the holder stores, the waiter adopts, no event', async () => {
    const key = `ordinary:${crypto.randomUUID()}`;
    const events: RedisTokenStoreEvent[] = [];
    const counter = { issued: 0 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const core = await newProcess();
    const holder = core.createTokenSource(
      async () => {
        await gate;
        return { accessToken: `token-${++counter.issued}`, expiresIn: 3_600 };
      },
      { key, store: store(events), lockTtl: LOCK_TTL, lockPollInterval: POLL },
    );
    const held = holder.get();
    await vi.waitFor(async () => expect(await redis.admin.exists(`attache:lock:${key}`)).toBe(1));
    const waiter = await source(key, events, counter);
    const waiting = waiter.get();
    setTimeout(release, LOCK_TTL / 2);
    expect((await waiting).value.reveal()).toBe('token-1');
    expect((await held).value.reveal()).toBe('token-1');
    expect(counter.issued).toBe(1);
    expect(events).toEqual([]);
  });

  it('with callers holding a deadline shorter than lockTtl, none is held past it', async () => {
    const key = `deadline:${crypto.randomUUID()}`;
    await redis.admin.set(`attache:lock:${key}`, 'slow-holder', 'PX', 60_000);
    const core = await newProcess();
    const counter = { issued: 0 };
    const events: RedisTokenStoreEvent[] = [];
    const tokenSource = core.createTokenSource(
      async () => ({ accessToken: `token-${++counter.issued}`, expiresIn: 3_600 }),
      { key, store: store(events), lockTtl: LOCK_TTL, lockPollInterval: POLL },
    );
    const api = core.createFetch({
      baseUrl: 'http://127.0.0.1:9',
      auth: core.tokenAuth({ source: tokenSource }),
      retry: false,
      transport: async () => new Response('ok'),
    });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const started = performance.now();
        const outcome = await api('data', { timeout: 200 }).then(
          (response) => String(response.status),
          (error: Error) => error.name,
        );
        return { outcome, ms: performance.now() - started };
      }),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(10).fill('TimeoutError'));
    for (const { ms } of outcomes) expect(ms).toBeLessThan(200 + 100);
    // The next caller, with time to spare, gets a token after lockTtl of waiting at most.
    const started = performance.now();
    const response = await api('data', { timeout: 5_000 });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(LOCK_TTL + 4 * POLL + 150);
    expect(counter.issued).toBe(1);
  });
});
