import { type AttacheEvent, createMemoryTokenStore, type FetchToken, type TokenStore } from '@attache/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function fakeClock() {
  const clock = {
    t: START,
    now: () => clock.t,
    advance(ms: number) {
      clock.t += ms;
    },
  };
  return clock;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/**
 * Loads a fresh copy of @attache/core: its own module-level token registry, like a separate process.
 * Only the store (and the token endpoint) is shared between copies. The modules core loads on first use (the
 * store lock, the JWT reader) are loaded into the copy as well: loading them takes real I/O, which fake timers
 * do not wait for, so a copy that loaded them mid-test would act late by however long the machine took.
 */
async function newProcess(): Promise<typeof import('@attache/core')> {
  vi.resetModules();
  const core = await import('@attache/core');
  await Promise.all([import('../src/token/store-lock.ts'), import('../src/token/jwt-exp.ts')]);
  return core;
}

/** Runs the {@link TokenStore} contract against a store. Any implementation (Redis, …) must pass it. */
function storeContract(name: string, make: (now: () => number) => TokenStore) {
  describe(`TokenStore contract: ${name}`, () => {
    it('get returns what set stored, until its time to live passes', async () => {
      const clock = fakeClock();
      const store = make(clock.now);
      expect(await store.get('a')).toBeFalsy();
      await store.set('a', 'entry-1', 1000);
      expect(await store.get('a')).toBe('entry-1');
      clock.advance(999);
      expect(await store.get('a')).toBe('entry-1');
      clock.advance(1);
      expect(await store.get('a')).toBeFalsy();
    });

    it('set replaces; keys are independent', async () => {
      const store = make(fakeClock().now);
      await store.set('a', 'entry-1', 1000);
      await store.set('a', 'entry-2', 1000);
      await store.set('b', 'other', 1000);
      expect(await store.get('a')).toBe('entry-2');
      expect(await store.get('b')).toBe('other');
    });

    it('delete with expected is a compare-and-delete', async () => {
      const store = make(fakeClock().now);
      await store.set('a', 'newer', 1000);
      expect(await store.delete('a', 'older')).toBe(false);
      expect(await store.get('a')).toBe('newer');
      expect(await store.delete('a', 'newer')).toBe(true);
      expect(await store.get('a')).toBeFalsy();
      await store.set('a', 'any', 1000);
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
    });

    it('acquireLock is exclusive, returns null at once when held, and frees on release or expiry', async () => {
      const clock = fakeClock();
      const store = make(clock.now);
      const first = await store.acquireLock?.('a', 5000);
      expect(first).toBeTruthy();
      expect(await store.acquireLock?.('a', 5000)).toBeNull();
      expect(await store.acquireLock?.('b', 5000)).toBeTruthy();
      await first?.release();
      const second = await store.acquireLock?.('a', 5000);
      expect(second).toBeTruthy();
      clock.advance(5000);
      const third = await store.acquireLock?.('a', 5000);
      expect(third).toBeTruthy();
      // The expired holder's late release must not free the lock the next holder took.
      await second?.release();
      expect(await store.acquireLock?.('a', 5000)).toBeNull();
      await third?.release();
    });
  });
}

storeContract('createMemoryTokenStore', (now) => createMemoryTokenStore({ now }));

afterEach(() => {
  vi.useRealTimers();
});

describe('a fleet sharing a store', () => {
  const KEY = 'partner:robot-7';

  /** A token endpoint shared by the fleet: counts calls; each call can be held open. */
  function sharedEndpoint(clock: ReturnType<typeof fakeClock>) {
    let calls = 0;
    let gate: Promise<void> = Promise.resolve();
    const fetchToken: FetchToken = async () => {
      calls++;
      const issued = calls;
      await gate;
      return {
        accessToken: `fleet-token-${issued}`,
        expiresIn: 3600,
        serverDate: new Date(clock.t).toUTCString(),
      };
    };
    return {
      fetchToken,
      calls: () => calls,
      hold() {
        const release = deferred<void>();
        gate = release.promise;
        return release.resolve;
      },
    };
  }

  it('one process fetches; the others wait for and read the stored token', async () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    const store = createMemoryTokenStore({ now: clock.now });
    const endpoint = sharedEndpoint(clock);
    const release = endpoint.hold();
    const events: AttacheEvent[][] = [];
    const processes = [];
    for (let i = 0; i < 5; i++) {
      const core = await newProcess();
      const log: AttacheEvent[] = [];
      events.push(log);
      processes.push(
        core.createTokenSource(endpoint.fetchToken, {
          key: KEY,
          store,
          now: clock.now,
          onEvent: (event) => log.push(event),
        }),
      );
    }
    const all = Promise.all(processes.flatMap((source) => Array.from({ length: 20 }, () => source.get())));
    await vi.advanceTimersByTimeAsync(1000);
    expect(endpoint.calls()).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(250);
    const tokens = await all;
    expect(endpoint.calls()).toBe(1);
    expect(new Set(tokens.map((token) => token.value.reveal()))).toEqual(new Set(['fleet-token-1']));
    const sources = events.map((log) =>
      log.map((event) => (event.type === 'token:acquired' ? event.source : event.type)),
    );
    expect(sources.filter((list) => list[0] === 'network')).toHaveLength(1);
    expect(sources.filter((list) => list[0] === 'store')).toHaveLength(4);
    expect(sources.every((list) => list.length === 1)).toBe(true);
  });

  it('a process that starts later reads the stored token instead of fetching', async () => {
    const clock = fakeClock();
    const store = createMemoryTokenStore({ now: clock.now });
    const endpoint = sharedEndpoint(clock);
    const first = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store,
      now: clock.now,
    });
    const token = await first.get();
    clock.advance(60_000);
    const later = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store,
      now: clock.now,
    });
    const read = await later.get();
    expect(read.value.reveal()).toBe(token.value.reveal());
    expect(read.expiresAt).toBe(token.expiresAt);
    expect(endpoint.calls()).toBe(1);
  });

  it('background refresh across the fleet: one process refreshes, the others keep serving, then adopt the new token', async () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    const store = createMemoryTokenStore({ now: clock.now });
    const endpoint = sharedEndpoint(clock);
    const sources = [];
    for (let i = 0; i < 3; i++) {
      const core = await newProcess();
      sources.push(
        core.createTokenSource(endpoint.fetchToken, { key: KEY, store, now: clock.now, random: () => 0 }),
      );
    }
    const [a, b, c] = sources as [(typeof sources)[0], (typeof sources)[0], (typeof sources)[0]];
    const first = await a.get();
    await Promise.all([b.get(), c.get()]);
    expect(endpoint.calls()).toBe(1);

    clock.t = first.refreshAt;
    const release = endpoint.hold();
    const during = await Promise.all([a.get(), b.get(), c.get(), a.get(), b.get(), c.get()]);
    expect(during.every((token) => token.value.reveal() === 'fleet-token-1')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    // One refresh for the fleet: the others found the lock taken and kept their token.
    expect(endpoint.calls()).toBe(2);
    clock.advance(100);
    await Promise.all([a.get(), b.get(), c.get()]);
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.calls()).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    clock.advance(250);
    await Promise.all([b.get(), c.get()]);
    await vi.advanceTimersByTimeAsync(0);
    const after = await Promise.all([a.get(), b.get(), c.get()]);
    expect(after.map((token) => token.value.reveal())).toEqual([
      'fleet-token-2',
      'fleet-token-2',
      'fleet-token-2',
    ]);
    expect(endpoint.calls()).toBe(2);
  });

  it('compare-and-delete: a late 401 in one process never deletes the newer token another process stored', async () => {
    const clock = fakeClock();
    const store = createMemoryTokenStore({ now: clock.now });
    const endpoint = sharedEndpoint(clock);
    const a = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store,
      now: clock.now,
    });
    const b = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store,
      now: clock.now,
    });
    const old = await a.get();
    await b.get();
    // A's token is rejected: A drops it from memory and the store, and fetches the next.
    expect(await a.invalidate(old)).toBe(true);
    expect(await store.get(KEY)).toBeFalsy();
    const newer = await a.get();
    expect(newer.value.reveal()).toBe('fleet-token-2');
    // B still holds the old token in memory and sees a late 401 for it.
    expect(await b.invalidate(old)).toBe(true);
    expect(JSON.parse(String(await store.get(KEY))).accessToken).toBe('fleet-token-2');
    expect((await b.get()).value.reveal()).toBe('fleet-token-2');
    expect(endpoint.calls()).toBe(2);
  });

  it('never adopts the rejected token again from the store', async () => {
    const clock = fakeClock();
    const endpoint = sharedEndpoint(clock);
    const stale = JSON.stringify({
      version: 1,
      accessToken: 'rejected-token',
      tokenType: 'Bearer',
      issuedAt: START,
      expiresAt: START + HOUR,
    });
    // A store whose delete fails: the rejected entry stays.
    const store: TokenStore = {
      get: () => stale,
      set: () => {},
      delete: () => {
        throw new Error('store down');
      },
    };
    const source = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store,
      now: clock.now,
    });
    const adopted = await source.get();
    expect(adopted.value.reveal()).toBe('rejected-token');
    expect(endpoint.calls()).toBe(0);
    await source.invalidate(adopted);
    expect((await source.get()).value.reveal()).toBe('fleet-token-1');
    expect(endpoint.calls()).toBe(1);
  });

  it('a store that throws is treated as empty: tokens come from the network', async () => {
    const clock = fakeClock();
    const endpoint = sharedEndpoint(clock);
    const broken: TokenStore = {
      get: () => Promise.reject(new Error('connection refused')),
      set: () => Promise.reject(new Error('connection refused')),
      delete: () => Promise.reject(new Error('connection refused')),
      acquireLock: () => Promise.reject(new Error('connection refused')),
    };
    const source = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store: broken,
      now: clock.now,
    });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => source.get()));
    expect(tokens.every((token) => token.value.reveal() === 'fleet-token-1')).toBe(true);
    expect(endpoint.calls()).toBe(1);
  });

  it('ignores malformed entries', async () => {
    const clock = fakeClock();
    const endpoint = sharedEndpoint(clock);
    for (const entry of [
      'not json',
      '{"version":2}',
      'null',
      JSON.stringify({ version: 1, accessToken: '' }),
    ]) {
      const store = createMemoryTokenStore({ now: clock.now });
      await store.set(KEY, entry, HOUR);
      const source = (await newProcess()).createTokenSource(endpoint.fetchToken, {
        key: KEY,
        store,
        now: clock.now,
      });
      expect((await source.get()).value.reveal()).toMatch(/^fleet-token-/);
    }
    expect(endpoint.calls()).toBe(4);
  });

  it('stores entries with the remaining lifetime as time to live and without lock support fetches per process', async () => {
    const clock = fakeClock();
    const endpoint = sharedEndpoint(clock);
    const ttls: number[] = [];
    const entries = new Map<string, string>();
    const store: TokenStore = {
      get: (key) => entries.get(key),
      set: (key, entry, ttl) => {
        ttls.push(ttl);
        entries.set(key, entry);
      },
      delete: (key) => entries.delete(key),
    };
    const source = (await newProcess()).createTokenSource(endpoint.fetchToken, {
      key: KEY,
      store,
      now: clock.now,
    });
    await source.get();
    expect(ttls).toEqual([HOUR]);
    const entry = JSON.parse(entries.get(KEY) ?? '{}');
    expect(entry).toMatchObject({
      version: 1,
      accessToken: 'fleet-token-1',
      tokenType: 'Bearer',
      expiresAt: START + HOUR,
    });
  });
});
