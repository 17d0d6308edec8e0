import { inspect } from 'node:util';
import {
  type AttacheEvent,
  ConfigError,
  createTokenSource,
  type FetchToken,
  secret,
  TokenAcquisitionError,
  type TokenResponse,
  tokenCacheKey,
} from '@attache/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

let keys = 0;
/** Sources sharing a key share state for the life of the process: every test gets its own keys. */
function uniqueKey(label = 'k'): string {
  return `test:token-source:${label}:${++keys}`;
}

function fakeClock(start = START) {
  const clock = {
    t: start,
    now: () => clock.t,
    advance(ms: number) {
      clock.t += ms;
    },
  };
  return clock;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A token endpoint stand-in: issues `t1`, `t2`, … with the given lifetime and counts calls. */
function issuer(response: Partial<TokenResponse> = { expiresIn: 3600 }) {
  let calls = 0;
  const fetchToken: FetchToken = async () => {
    calls++;
    return { accessToken: secret(`t${calls}`), ...response };
  };
  return { fetchToken, calls: () => calls };
}

/** True when the promise has not settled after every queued microtask and macrotask ran. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('single flight', () => {
  it('1,000 concurrent get() on a cold source cause exactly one fetch', async () => {
    const clock = fakeClock();
    const gate = deferred<void>();
    let calls = 0;
    const source = createTokenSource(
      async () => {
        calls++;
        await gate.promise;
        return { accessToken: 'only-one', expiresIn: 3600 };
      },
      { key: uniqueKey(), now: clock.now },
    );
    const all = Promise.all(Array.from({ length: 1000 }, () => source.get()));
    gate.resolve();
    const tokens = await all;
    expect(calls).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens.every((token) => token.value.reveal() === 'only-one')).toBe(true);
  });

  it('two sources built separately with the same key share one fetch and one token', async () => {
    const clock = fakeClock();
    const key = uniqueKey();
    const first = issuer();
    const second = issuer();
    const a = createTokenSource(first.fetchToken, { key, now: clock.now });
    const b = createTokenSource(second.fetchToken, { key, now: clock.now });
    const tokens = await Promise.all([
      ...Array.from({ length: 50 }, () => a.get()),
      ...Array.from({ length: 50 }, () => b.get()),
    ]);
    expect(first.calls() + second.calls()).toBe(1);
    expect(new Set(tokens.map((token) => token.value.reveal()))).toEqual(new Set(['t1']));
  });

  it('sources with different keys do not share', async () => {
    const clock = fakeClock();
    const first = issuer();
    const second = issuer();
    await createTokenSource(first.fetchToken, { key: uniqueKey(), now: clock.now }).get();
    await createTokenSource(second.fetchToken, { key: uniqueKey(), now: clock.now }).get();
    expect([first.calls(), second.calls()]).toEqual([1, 1]);
  });

  it('a source without a key shares with nobody', async () => {
    const first = issuer();
    const second = issuer();
    await Promise.all([
      createTokenSource(first.fetchToken).get(),
      createTokenSource(second.fetchToken).get(),
    ]);
    expect([first.calls(), second.calls()]).toEqual([1, 1]);
  });

  it('serves the cached token without fetching until the refresh point', async () => {
    const clock = fakeClock();
    const { fetchToken, calls } = issuer();
    const source = createTokenSource(fetchToken, { key: uniqueKey(), now: clock.now, random: () => 0.5 });
    const first = await source.get();
    clock.advance(0.8 * HOUR - 1);
    const again = await source.get();
    expect(again).toBe(first);
    expect(calls()).toBe(1);
  });
});

describe('two-stage refresh', () => {
  it('inside the refresh window, callers keep the current token while one background refresh runs', async () => {
    const clock = fakeClock();
    let calls = 0;
    const gate = deferred<void>();
    const source = createTokenSource(
      async () => {
        calls++;
        if (calls > 1) await gate.promise;
        return { accessToken: `t${calls}`, expiresIn: 3600 };
      },
      { key: uniqueKey(), now: clock.now, random: () => 0.5 },
    );
    const first = await source.get();
    expect(first.refreshAt).toBe(START + 0.8 * HOUR);
    clock.advance(0.8 * HOUR);
    // 100 callers inside the window: none waits, exactly one refresh starts.
    const during = await Promise.all(Array.from({ length: 100 }, () => source.get()));
    expect(during.every((token) => token === first)).toBe(true);
    expect(calls).toBe(2);
    gate.resolve();
    await vi.waitFor(async () => expect((await source.get()).value.reveal()).toBe('t2'));
    expect(calls).toBe(2);
  });

  it('within expirySkew of expiry, callers wait for the new token', async () => {
    const clock = fakeClock();
    let calls = 0;
    const gate = deferred<void>();
    const source = createTokenSource(
      async () => {
        calls++;
        if (calls > 1) await gate.promise;
        return { accessToken: `t${calls}`, expiresIn: 3600 };
      },
      { key: uniqueKey(), now: clock.now, expirySkew: 30_000 },
    );
    await source.get();
    clock.advance(HOUR - 30_000);
    const waiting = Promise.all(Array.from({ length: 10 }, () => source.get()));
    expect(await isPending(waiting)).toBe(true);
    gate.resolve();
    const tokens = await waiting;
    expect(tokens.map((token) => token.value.reveal())).toEqual(Array(10).fill('t2'));
    expect(calls).toBe(2);
  });

  it('starts the background refresh at the server refresh_in hint', async () => {
    const clock = fakeClock();
    const { fetchToken, calls } = issuer({ expiresIn: 3600, refreshIn: '600' });
    const source = createTokenSource(fetchToken, { key: uniqueKey(), now: clock.now });
    const first = await source.get();
    expect(first.refreshAt).toBe(START + 600_000);
    clock.advance(599_999);
    await source.get();
    expect(calls()).toBe(1);
    clock.advance(1);
    expect(await source.get()).toBe(first);
    expect(calls()).toBe(2);
  });

  it('the refresh points of 100 sources with the same lifetime are spread over the 75–85 % window', async () => {
    const clock = fakeClock();
    const fractions: number[] = [];
    for (let i = 0; i < 100; i++) {
      const { fetchToken } = issuer({ expiresIn: 3600 });
      const token = await createTokenSource(fetchToken, { key: uniqueKey('spread'), now: clock.now }).get();
      fractions.push((token.refreshAt - token.issuedAt) / HOUR);
    }
    expect(Math.min(...fractions)).toBeGreaterThanOrEqual(0.75);
    expect(Math.max(...fractions)).toBeLessThan(0.85);
    // Refresh points are whole milliseconds: a few of 100 draws over 360,000 ms may coincide, not many.
    expect(new Set(fractions).size).toBeGreaterThanOrEqual(95);
    // Not bunched: 100 uniform draws cover most of the window (a range under a third has odds below 1e-40).
    expect(Math.max(...fractions) - Math.min(...fractions)).toBeGreaterThan(0.1 / 3);
  });

  it('caps expirySkew for short-lived tokens so they are not treated as expired on arrival', async () => {
    const clock = fakeClock();
    const { fetchToken, calls } = issuer({ expiresIn: 10 });
    const source = createTokenSource(fetchToken, { key: uniqueKey(), now: clock.now, random: () => 0 });
    const token = await source.get();
    expect(token.refreshAt).toBe(START + 7_500);
    await Promise.all(Array.from({ length: 20 }, () => source.get()));
    expect(calls()).toBe(1);
  });

  it('uses no timers: nothing is scheduled while a token is cached', async () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    const { fetchToken } = issuer();
    const source = createTokenSource(fetchToken, { key: uniqueKey(), now: clock.now });
    await source.get();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('failure and back-off', () => {
  function failingIssuer(clock: ReturnType<typeof fakeClock>, failFrom: number) {
    let calls = 0;
    const log: number[] = [];
    const fetchToken: FetchToken = async () => {
      calls++;
      log.push(clock.t - START);
      if (calls >= failFrom) throw new TokenAcquisitionError('Token endpoint unavailable', { status: 503 });
      return { accessToken: `t${calls}`, expiresIn: 3600 };
    };
    return { fetchToken, calls: () => calls, log };
  }

  it('a failed background refresh keeps serving the valid token and backs off 0.5–1, 1–2, 2–4 … 15–30 s, one at a time', async () => {
    const clock = fakeClock();
    const events: AttacheEvent[] = [];
    const endpoint = failingIssuer(clock, 2);
    const source = createTokenSource(endpoint.fetchToken, {
      key: uniqueKey(),
      now: clock.now,
      // Equal jitter: each wait is half the ceiling plus random() × the other half; the half alone here.
      random: () => 0,
      onEvent: (event) => events.push(event),
    });
    const first = await source.get();
    clock.t = first.refreshAt;
    // Poll every 250 ms for 120 s with 5 concurrent callers each time: all get the valid token.
    for (let step = 0; step < 480; step++) {
      const tokens = await Promise.all(Array.from({ length: 5 }, () => source.get()));
      expect(tokens.every((token) => token === first)).toBe(true);
      await Promise.resolve();
      clock.advance(250);
    }
    const failures = events.filter((event) => event.type === 'token:refresh-failed');
    expect(failures.map((event) => event.retryInMs)).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000, 15000, 15000, 15000,
    ]);
    expect(failures.every((event) => event.stillValid && event.error === 'HTTP 503')).toBe(true);
    // Attempts start when each back-off has passed, never earlier.
    const starts = endpoint.log.slice(1).map((at) => (at - (first.refreshAt - START)) / 1000);
    expect(starts).toEqual([0, 0.5, 1.5, 3.5, 7.5, 15.5, 30.5, 45.5, 60.5, 75.5, 90.5, 105.5]);
  });

  it('with no valid token, callers inside the back-off fail at once with the last error and the endpoint sees no extra calls', async () => {
    const clock = fakeClock();
    const endpoint = failingIssuer(clock, 1);
    const source = createTokenSource(endpoint.fetchToken, {
      key: uniqueKey(),
      now: clock.now,
      random: () => 0,
    });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => source.get()));
    expect(endpoint.calls()).toBe(1);
    const errors = results.map((result) => (result.status === 'rejected' ? result.reason : undefined));
    expect(errors[0]).toBeInstanceOf(TokenAcquisitionError);
    expect(new Set(errors).size).toBe(1);

    clock.advance(499);
    const during = await Promise.allSettled(Array.from({ length: 100 }, () => source.get()));
    expect(during.every((result) => result.status === 'rejected' && result.reason === errors[0])).toBe(true);
    expect(endpoint.calls()).toBe(1);

    clock.advance(1);
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(endpoint.calls()).toBe(2);
    // The second failure doubles the wait.
    clock.advance(999);
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(endpoint.calls()).toBe(2);
    clock.advance(1);
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(endpoint.calls()).toBe(3);
  });

  it('in the expirySkew zone, a failed refresh still hands out the unexpired token', async () => {
    const clock = fakeClock();
    const endpoint = failingIssuer(clock, 2);
    const source = createTokenSource(endpoint.fetchToken, {
      key: uniqueKey(),
      now: clock.now,
      random: () => 0.5,
    });
    const first = await source.get();
    clock.t = first.expiresAt - 10_000;
    expect(await source.get()).toBe(first);
    expect(await source.get()).toBe(first);
    expect(endpoint.calls()).toBe(2);
    clock.t = first.expiresAt;
    const error = await source.get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
  });

  it('recovers after the back-off and resets it on success', async () => {
    const clock = fakeClock();
    let fail = true;
    let calls = 0;
    const events: AttacheEvent[] = [];
    const source = createTokenSource(
      async () => {
        calls++;
        if (fail) throw new TokenAcquisitionError('busy', { status: 429 });
        return { accessToken: `t${calls}`, expiresIn: 3600 };
      },
      { key: uniqueKey(), now: clock.now, random: () => 0, onEvent: (event) => events.push(event) },
    );
    await expect(source.get()).rejects.toThrow('busy');
    clock.advance(500);
    await expect(source.get()).rejects.toThrow('busy');
    fail = false;
    clock.advance(1000);
    expect((await source.get()).value.reveal()).toBe('t3');
    const token = await source.get();
    clock.t = token.expiresAt - 1000;
    fail = true;
    await expect(source.get()).resolves.toBe(token);
    const retryIns = events.flatMap((event) =>
      event.type === 'token:refresh-failed' ? [event.retryInMs] : [],
    );
    expect(retryIns).toEqual([500, 1000, 500]);
  });

  it('draws each wait between half and all of the doubling ceiling, capped at maxBackoff (equal jitter)', async () => {
    const clock = fakeClock();
    const draws = [0.25, 0.75, 0.1, 0.999, 0];
    const events: AttacheEvent[] = [];
    const source = createTokenSource(
      async () => {
        throw new TokenAcquisitionError('busy', { status: 503 });
      },
      {
        key: uniqueKey(),
        now: clock.now,
        maxBackoff: 3_000,
        random: () => draws.shift() ?? 0,
        onEvent: (event) => events.push(event),
      },
    );
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(source.get()).rejects.toThrow('busy');
      clock.advance(3_000);
    }
    const retryIns = events.flatMap((event) =>
      event.type === 'token:refresh-failed' ? [event.retryInMs] : [],
    );
    // Ceilings 1 s, 2 s, then maxBackoff: c/2 + random() × c/2, never less than half.
    expect(retryIns).toEqual([625, 1_750, 1_650, 2_998, 1_500]);
  });

  it('429 and 5xx from the token endpoint are retryable failures, never "credentials invalid"', async () => {
    for (const status of [429, 500, 502, 503, 504]) {
      const clock = fakeClock();
      const source = createTokenSource(
        async () => {
          throw new TokenAcquisitionError(`Token endpoint answered ${status}`, { status });
        },
        { key: uniqueKey(), now: clock.now },
      );
      const error = (await source.get().catch((caught: unknown) => caught)) as TokenAcquisitionError;
      expect(error.status).toBe(status);
      expect(error.isRetryable).toBe(true);
      expect(error.error).toBeUndefined();
    }
    const refused = new TokenAcquisitionError('Login refused', { status: 401, error: 'invalid_client' });
    expect(refused.isRetryable).toBe(false);
  });

  it('wraps anything else fetchToken throws in a retryable TokenAcquisitionError that keeps the cause', async () => {
    const cause = new TypeError('fetch failed');
    const source = createTokenSource(
      async () => {
        throw cause;
      },
      { key: uniqueKey(), now: fakeClock().now },
    );
    const error = (await source.get().catch((caught: unknown) => caught)) as TokenAcquisitionError;
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error.cause).toBe(cause);
    expect(error.isRetryable).toBe(true);
  });

  it('passes a TokenAcquisitionError from another copy of the package through as is', async () => {
    vi.resetModules();
    const other = await import('@attache/core');
    const foreign = new other.TokenAcquisitionError('refused', { status: 400, error: 'invalid_client' });
    expect(foreign).not.toBeInstanceOf(TokenAcquisitionError);
    const source = createTokenSource(
      async () => {
        throw foreign;
      },
      { key: uniqueKey(), now: fakeClock().now },
    );
    await expect(source.get()).rejects.toBe(foreign);
  });

  it('aborts a fetch that outlives fetchTimeout and backs off', async () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    let seen: AbortSignal | undefined;
    const source = createTokenSource(
      ({ signal }) => {
        seen = signal;
        return new Promise<TokenResponse>(() => {});
      },
      { key: uniqueKey(), now: clock.now, fetchTimeout: 5_000 },
    );
    const pending = source.get().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(5_000);
    const error = (await pending) as TokenAcquisitionError;
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error.message).toContain('timed out after 5000 ms');
    expect(seen?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('abort', () => {
  it("a caller's abort rejects that caller only; the shared fetch goes on for the others", async () => {
    const clock = fakeClock();
    const gate = deferred<void>();
    let calls = 0;
    let fetchSignal: AbortSignal | undefined;
    const source = createTokenSource(
      async ({ signal }) => {
        calls++;
        fetchSignal = signal;
        await gate.promise;
        return { accessToken: 'shared', expiresIn: 3600 };
      },
      { key: uniqueKey(), now: clock.now },
    );
    const controller = new AbortController();
    const impatient = source.get({ signal: controller.signal });
    const patient = source.get();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(impatient).rejects.toBe(reason);
    expect(fetchSignal?.aborted).toBe(false);
    gate.resolve();
    expect((await patient).value.reveal()).toBe('shared');
    expect(calls).toBe(1);
  });

  it('an already aborted signal rejects without fetching', async () => {
    const { fetchToken, calls } = issuer();
    const source = createTokenSource(fetchToken, { key: uniqueKey() });
    await expect(source.get({ signal: AbortSignal.abort() })).rejects.toBeDefined();
    expect(calls()).toBe(0);
  });
});

describe('invalidate', () => {
  it('drops the rejected token, and the next get fetches once for all callers', async () => {
    const clock = fakeClock();
    const { fetchToken, calls } = issuer();
    const source = createTokenSource(fetchToken, { key: uniqueKey(), now: clock.now });
    const first = await source.get();
    expect(await source.invalidate(first)).toBe(true);
    expect(source.peek()).toBeUndefined();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.get()));
    expect(new Set(tokens.map((token) => token.value.reveal()))).toEqual(new Set(['t2']));
    expect(calls()).toBe(2);
  });

  it('invalidate(oldToken) after a newer token has arrived keeps the newer token', async () => {
    const clock = fakeClock();
    const { fetchToken, calls } = issuer();
    const source = createTokenSource(fetchToken, { key: uniqueKey(), now: clock.now });
    const old = await source.get();
    await source.invalidate(old);
    const newer = await source.get();
    // A late 401 for a request that carried the old token.
    expect(await source.invalidate(old)).toBe(false);
    expect(source.peek()).toBe(newer);
    expect(await source.get()).toBe(newer);
    expect(calls()).toBe(2);
  });

  it('compares by value, so a token from another source with the same key works too', async () => {
    const clock = fakeClock();
    const key = uniqueKey();
    const { fetchToken, calls } = issuer();
    const a = createTokenSource(fetchToken, { key, now: clock.now });
    const b = createTokenSource(fetchToken, { key, now: clock.now });
    const token = await a.get();
    expect(await b.invalidate({ value: secret(token.value.reveal()) })).toBe(true);
    expect(a.peek()).toBeUndefined();
    await a.get();
    expect(calls()).toBe(2);
  });
});

describe('events', () => {
  it('announces each token once per source: network for the fetcher, memory for sources sharing the key', async () => {
    const clock = fakeClock();
    const key = uniqueKey();
    const { fetchToken } = issuer();
    const aEvents: AttacheEvent[] = [];
    const bEvents: AttacheEvent[] = [];
    const callEvents: AttacheEvent[] = [];
    const a = createTokenSource(fetchToken, { key, now: clock.now, onEvent: (event) => aEvents.push(event) });
    const b = createTokenSource(fetchToken, { key, now: clock.now, onEvent: (event) => bEvents.push(event) });
    const token = await a.get({ onEvent: (event) => callEvents.push(event) });
    await a.get();
    await b.get();
    await b.get();
    expect(aEvents).toEqual([{ type: 'token:acquired', source: 'network', expiresAt: token.expiresAt, key }]);
    expect(bEvents).toEqual([{ type: 'token:acquired', source: 'memory', expiresAt: token.expiresAt, key }]);
    expect(callEvents).toEqual(aEvents);
  });

  it('a listener that throws does not break acquisition', async () => {
    const { fetchToken } = issuer();
    const source = createTokenSource(fetchToken, {
      key: uniqueKey(),
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    await expect(source.get()).resolves.toBeDefined();
  });

  it('no token or credential appears in events, errors or the token object', async () => {
    const clock = fakeClock();
    const events: AttacheEvent[] = [];
    let calls = 0;
    const source = createTokenSource(
      async () => {
        calls++;
        if (calls === 1) return { accessToken: 'sk_live_TOKEN_ONE', expiresIn: 3600 };
        throw new TokenAcquisitionError('Login refused', { status: 401, error: 'invalid_client' });
      },
      { key: uniqueKey(), now: clock.now, random: () => 0, onEvent: (event) => events.push(event) },
    );
    const token = await source.get();
    await source.invalidate(token);
    const error = await source.get().catch((caught: unknown) => caught);
    const bad = createTokenSource(async () => ({ accessToken: 'sk_live_BAD\r\nX-Evil: 1' }), {
      key: uniqueKey(),
    });
    const badError = await bad.get().catch((caught: unknown) => caught);
    for (const printed of [
      JSON.stringify(events),
      JSON.stringify(token),
      inspect(token, { depth: 5 }),
      String(error),
      inspect(error, { depth: 5 }),
      JSON.stringify(error),
      inspect(badError, { depth: 5 }),
      (badError as Error).stack ?? '',
    ]) {
      expect(printed).not.toContain('sk_live');
    }
    expect(events.map((event) => event.type)).toEqual(['token:acquired', 'token:refresh-failed']);
    expect(events[1]).toMatchObject({ error: 'invalid_client', stillValid: false, retryInMs: 500 });
  });
});

describe('options', () => {
  const fetchToken: FetchToken = async () => ({ accessToken: 'x' });
  it.each([
    [{ key: '' }, 'key'],
    [{ expirySkew: -1 }, 'expirySkew'],
    [{ defaultLifetime: 0 }, 'defaultLifetime'],
    [{ maxBackoff: Number.NaN }, 'maxBackoff'],
    [{ fetchTimeout: 0 }, 'fetchTimeout'],
    [{ refreshWindow: [0.9, 0.8] as const }, 'refreshWindow'],
    [{ refreshWindow: [0.5, 1] as const }, 'refreshWindow'],
    [{ now: 5 as unknown as () => number }, 'now'],
    [{ store: {} as never, key: 'k' }, 'store'],
    [{ store: { get: () => undefined, set() {}, delete: () => true } }, 'key'],
  ])('throws a ConfigError naming the field for %o', (options, field) => {
    expect(() => createTokenSource(fetchToken, options)).toThrow(ConfigError);
    expect(() => createTokenSource(fetchToken, options)).toThrow(field);
  });

  it('throws a ConfigError when fetchToken is not a function', () => {
    expect(() => createTokenSource('nope' as unknown as FetchToken)).toThrow(/fetchToken/);
  });
});

describe('tokenCacheKey', () => {
  it('is stable whatever the order and duplicates of scopes, audiences and resources', () => {
    const a = tokenCacheKey({
      tokenEndpoint: 'https://AUTH.partner.example:443/token',
      clientId: 'robot-7',
      scope: 'orders:write  orders:read orders:read',
      audience: ['b', 'a'],
      resource: ['https://r2.example', 'https://r1.example'],
    });
    const b = tokenCacheKey({
      tokenEndpoint: new URL('https://auth.partner.example/token'),
      clientId: 'robot-7',
      scope: ['orders:read', 'orders:write'],
      audience: ['a', 'b', 'a'],
      resource: ['https://r1.example', 'https://r2.example'],
    });
    expect(a).toBe(b);
    expect(a).not.toBe(
      tokenCacheKey({ tokenEndpoint: 'https://auth.partner.example/token', clientId: 'robot-8' }),
    );
    expect(tokenCacheKey({ tokenEndpoint: 'https://auth.partner.example/token', scope: 'a' })).not.toBe(
      tokenCacheKey({ tokenEndpoint: 'https://auth.partner.example/token', audience: 'a' }),
    );
  });

  it('keeps credentials embedded in the endpoint URL out of the key', () => {
    const key = tokenCacheKey({ tokenEndpoint: 'https://robot:hunter2@auth.partner.example/token' });
    expect(key).not.toContain('hunter2');
    expect(key).toBe(tokenCacheKey({ tokenEndpoint: 'https://auth.partner.example/token' }));
  });

  it('throws a ConfigError for an endpoint that is not an absolute URL', () => {
    expect(() => tokenCacheKey({ tokenEndpoint: '/token' })).toThrow(ConfigError);
  });
});

describe('back-off honours the token endpoint’s Retry-After', () => {
  it('waits at least Retry-After before the next attempt', async () => {
    let clock = 1_000_000;
    let calls = 0;
    const { createTokenSource, TokenAcquisitionError } = await import('@attache/core');
    const source = createTokenSource(
      async () => {
        calls++;
        throw new TokenAcquisitionError('rate limited', { status: 429, retryAfter: 10_000 });
      },
      { now: () => clock },
    );
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
    clock += 5_000; // past the 1 s back-off, inside the 10 s Retry-After
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(calls).toBe(1);
    clock += 5_001;
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(calls).toBe(2);
  });
});
