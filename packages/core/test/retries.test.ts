import { ConfigError, createClient, createFetch, RateLimitedError } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingAuth, useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

/**
 * The partner: every path under BASE, answered with `statuses` in turn (the last one repeats), each request
 * that reaches it kept in `seen`. Faults injected with `api.faults` answer before it, so they never show in
 * `seen`: tests that look at every attempt's request use `statuses` instead.
 */
function partner(statuses: readonly number[] = [200]) {
  const seen: Request[] = [];
  const api = mockPartnerApi({
    baseUrl: BASE,
    routes: {
      '* /*': ({ request }) => {
        seen.push(request.clone());
        const status = statuses[Math.min(seen.length, statuses.length) - 1] ?? 200;
        return status === 200 ? { ok: true } : new Response(null, { status });
      },
    },
  });
  server.use(...api.handlers);
  return { api, seen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('transient retries', () => {
  it('runs the authenticator on every attempt: 503, 503, 200 → attempts 1, 2, 3', async () => {
    const { api, seen } = partner([503, 503, 200]);
    const counter = countingAuth();
    const fetch = createFetch({ baseUrl: BASE, auth: counter.authenticator, random: () => 0 });
    const response = await fetch('orders');
    expect(response.status).toBe(200);
    expect(counter.attempts).toEqual([1, 2, 3]);
    expect(seen.map((r) => r.headers.get('x-attempt'))).toEqual(['1', '2', '3']);
    expect(api.calls.total).toBe(3);
  });

  it('gives up after the configured retries and returns the last response', async () => {
    const { api } = partner();
    api.faults.failNext(3, 503);
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const response = await fetch('orders');
    expect(response.status).toBe(503);
    expect(api.calls).toEqual({ total: 3, accepted: 0, rejected: 0, faulted: 3 });
  });

  it('does not retry a POST without an idempotency key', async () => {
    const { api } = partner();
    api.faults.failNext(1, 503);
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const response = await fetch('payments', { method: 'POST', body: '{"amount":1}' });
    expect(response.status).toBe(503);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 0, faulted: 1 });
  });

  it("retries a POST with idempotencyKey: 'auto', sending the same key and body on every attempt", async () => {
    const { api, seen } = partner([503, 503, 200]);
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const response = await fetch('payments', {
      method: 'POST',
      body: '{"amount":1}',
      idempotencyKey: 'auto',
    });
    expect(response.status).toBe(200);
    expect(api.calls.total).toBe(3);
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(await Promise.all(seen.map((r) => r.text()))).toEqual(Array(3).fill('{"amount":1}'));
  });

  it('generates a different key for each call', async () => {
    const { seen } = partner();
    const fetch = createFetch({ baseUrl: BASE });
    await fetch('payments', { method: 'POST', body: 'a', idempotencyKey: 'auto' });
    await fetch('payments', { method: 'POST', body: 'b', idempotencyKey: 'auto' });
    expect(seen).toHaveLength(2);
    expect(seen[0]?.headers.get('idempotency-key')).not.toBe(seen[1]?.headers.get('idempotency-key'));
  });

  it('retries network errors on idempotent methods and reports NetworkError when they persist', async () => {
    const { api } = partner();
    api.faults.networkErrorNext(3);
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    await expect(fetch('flaky')).rejects.toMatchObject({ name: 'NetworkError', code: 'NETWORK' });
    expect(api.faults.calls.networkErrors).toBe(3);
    expect(api.calls.total).toBe(3);
  });

  it('obeys Retry-After in seconds (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { api } = partner();
    api.faults.failNext(1, 429, { retryAfter: 2 });
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const pending = fetch('orders');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(api.calls.total).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(200);
    expect(api.calls).toEqual({ total: 2, accepted: 1, rejected: 0, faulted: 1 });
  });

  it('obeys Retry-After as an HTTP-date (fake clock)', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'Date'],
      now: Date.parse('2026-01-01T00:00:00Z'),
    });
    const { api } = partner();
    api.faults.failNext(1, 503, { retryAfter: 'Thu, 01 Jan 2026 00:00:05 GMT' });
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const pending = fetch('orders');
    await vi.advanceTimersByTimeAsync(4_900);
    expect(api.calls.total).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect((await pending).status).toBe(200);
  });

  it('obeys retry-after-ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { api } = partner();
    api.faults.failNext(1, 429, { retryAfter: 60, headers: { 'retry-after-ms': '1500' } });
    const fetch = createFetch({ baseUrl: BASE });
    const pending = fetch('orders');
    await vi.advanceTimersByTimeAsync(1_499);
    expect(api.calls.total).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(200);
  });

  it('does not wait for a Retry-After above maxRetryAfter: RateLimitedError at once with retryAfter', async () => {
    const { api } = partner();
    api.faults.failNext(1, 429, { retryAfter: 120 });
    const client = createClient({ baseUrl: BASE, retry: { maxRetryAfter: 60_000 } });
    const started = performance.now();
    const error = await client.get('orders').catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfter).toBe(120_000);
    expect((error as RateLimitedError).status).toBe(429);
    expect(api.calls.total).toBe(1);
  });

  it('does not wait for a Retry-After past the deadline', async () => {
    const { api } = partner();
    api.faults.failNext(1, 503, { retryAfter: 10 });
    const fetch = createFetch({ baseUrl: BASE, timeout: 5_000 });
    const response = await fetch('orders');
    expect(response.status).toBe(503);
    expect(api.calls.total).toBe(1);
  });

  it('uses full-jitter exponential backoff bounded by maxDelay', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { api } = partner();
    api.faults.failNext(3, 503);
    const delays: number[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      retry: { retries: 3, baseDelay: 1_000, maxDelay: 3_000 },
      random: () => 0.999,
      onEvent: (e) => {
        if (e.type === 'retry:scheduled') delays.push(e.delayMs);
      },
    });
    const pending = fetch('orders');
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await pending).status).toBe(200);
    expect(delays).toEqual([999, 1_998, 2_997]);
    expect(api.calls).toEqual({ total: 4, accepted: 1, rejected: 0, faulted: 3 });
  });

  it('a per-call retry option overrides the client', async () => {
    const { api } = partner();
    api.faults.failNext(1, 503);
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    expect((await fetch('orders', { retry: false })).status).toBe(503);
    expect(api.calls.total).toBe(1);
  });

  it('the retry budget stops retry storms and refills on success', async () => {
    const { api } = partner();
    const fetch = createFetch({
      baseUrl: BASE,
      random: () => 0,
      retryBudget: { capacity: 10, retryCost: 5, successRefund: 5 },
    });
    // The partner fails exactly the attempts each step expects: one attempt too many meets the route's 200
    // and shows in the exact totals.
    api.faults.failNext(3 + 1, 503);
    await fetch('orders'); // 1 + 2 retries: budget 10 → 0
    expect(api.calls.total).toBe(3);
    await fetch('orders'); // budget empty: first attempt only
    expect(api.calls.total).toBe(4);
    expect((await fetch('orders')).status).toBe(200); // success refunds 5
    api.faults.failNext(2, 503);
    expect((await fetch('orders')).status).toBe(503); // one retry affordable again
    expect(api.calls.total).toBe(7);
  });
});

describe('503 with Retry-After from the client face', () => {
  it('becomes RateLimitedError with retryAfter when the wait is too long', async () => {
    const { api } = partner();
    api.faults.failNext(1, 503, { retryAfter: 300 });
    const client = createClient({ baseUrl: BASE });
    const error = await client.get('busy').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ status: 503, retryAfter: 300_000 });
    expect(api.calls.total).toBe(1);
  });
});

describe('per-call options are validated', () => {
  it('rejects a bad per-call timeout or retry with ConfigError and leaves no timer behind', async () => {
    const fetch = createFetch({ baseUrl: BASE });
    for (const timeout of [-5, 0, Number.POSITIVE_INFINITY, 2 ** 31]) {
      await expect(fetch('x', { timeout })).rejects.toThrow(/init\.timeout/);
    }
    await expect(fetch('x', { retry: { retries: -1 } })).rejects.toThrow(/init\.retry\.retries/);
    expect(() => createFetch({ baseUrl: BASE, timeout: 2 ** 31 })).toThrow(/timeout/);
    expect(() => createFetch({ baseUrl: BASE, maxRedirects: -1 })).toThrow(/maxRedirects/);
    expect(() => createFetch({ baseUrl: BASE, redirects: 'nope' as 'pipeline' })).toThrow(/redirects/);
  });

  it('refuses waits longer than a timer can hold (2^31 - 1 ms), which would fire at once', async () => {
    const fetch = createFetch({ baseUrl: BASE });
    const tooLong = [2 ** 31, 40 * 24 * 3_600_000, Number.MAX_SAFE_INTEGER, Number.NaN];
    for (const field of ['baseDelay', 'maxDelay', 'maxRetryAfter'] as const) {
      for (const value of tooLong) {
        expect(() => createFetch({ baseUrl: BASE, retry: { [field]: value } })).toThrow(
          new RegExp(`^retry\\.${field} must be a number in \\[0, 2147483647\\], got ${String(value)}$`),
        );
        await expect(fetch('x', { retry: { [field]: value } })).rejects.toBeInstanceOf(ConfigError);
      }
      // The longest a timer holds is still a valid wait.
      expect(() => createFetch({ baseUrl: BASE, retry: { [field]: 2 ** 31 - 1 } })).not.toThrow();
    }
  });

  it('an authenticator bug is not mistaken for a network error and is not retried', async () => {
    let calls = 0;
    const fetch = createFetch({
      baseUrl: BASE,
      auth: {
        name: 'buggy',
        attach: () => {
          calls++;
          throw new TypeError('cannot read properties of undefined');
        },
      },
    });
    await expect(fetch('x')).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });
});
