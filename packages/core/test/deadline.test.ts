import { createClient, createFetch, TimeoutError } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

afterEach(() => vi.useRealTimers());

/** The partner, answering every path under BASE; `api.faults` makes it fail or answer late. */
function partner() {
  const api = mockPartnerApi({ baseUrl: BASE });
  server.use(...api.handlers);
  return api;
}

describe('one deadline, abortable waits', () => {
  it('aborting during a backoff wait rejects at once with the caller’s reason', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const api = partner();
    api.faults.failNext(1, 503, { retryAfter: 30 });
    const fetch = createFetch({ baseUrl: BASE, timeout: 120_000 });
    const controller = new AbortController();
    const pending = fetch('slow', { signal: controller.signal });
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(api.calls.total).toBe(1);
    const reason = new Error('user navigated away');
    controller.abort(reason);
    // No timer advance: the rejection must not wait for the 30 s backoff.
    await expect(outcome).resolves.toBe(reason);
    expect(api.calls.total).toBe(1);
  });

  it('an abort is never retried', async () => {
    const api = partner();
    api.faults.delayNext(1, 3_600_000);
    const fetch = createFetch({ baseUrl: BASE });
    const controller = new AbortController();
    const pending = fetch('hang', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.calls.total).toBe(1);
  });

  it('the deadline covers every attempt and wait: TimeoutError, not more attempts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const api = partner();
    // Each attempt is answered 600 ms late, with a 503.
    api.faults.delayNext(3, 600).failNext(3, 503);
    const fetch = createFetch({ baseUrl: BASE, timeout: 1_000, random: () => 0 });
    const outcome = fetch('slow').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain('1000 ms');
    expect(api.calls.total).toBe(2);
  });

  it('the deadline covers token acquisition', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const client = createClient({
      baseUrl: BASE,
      timeout: 500,
      auth: {
        name: 'never-ready',
        // An authenticator that ignores the signal must still not hold the call past its deadline.
        attach: () => new Promise<void>(() => {}),
      },
    });
    const outcome = client.get('x').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);
    expect(await outcome).toBeInstanceOf(TimeoutError);
  });

  it('a per-call timeout overrides the client deadline', async () => {
    const api = partner();
    api.faults.delayNext(1, 300);
    const client = createClient({ baseUrl: BASE, timeout: 60_000 });
    await expect(client.get('slow', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    expect(api.calls.total).toBe(1);
  });
});
