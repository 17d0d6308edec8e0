import { createClient, createFetch, TimeoutError } from '@attache/core';
import { delay, HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

afterEach(() => vi.useRealTimers());

describe('one deadline, abortable waits', () => {
  it('aborting during a backoff wait rejects at once with the caller’s reason', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let calls = 0;
    server.use(
      http.get(`${BASE}/slow`, () => {
        calls++;
        return new HttpResponse(null, { status: 503, headers: { 'retry-after': '30' } });
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, timeout: 120_000 });
    const controller = new AbortController();
    const pending = fetch('slow', { signal: controller.signal });
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    const reason = new Error('user navigated away');
    controller.abort(reason);
    // No timer advance: the rejection must not wait for the 30 s backoff.
    await expect(outcome).resolves.toBe(reason);
    expect(calls).toBe(1);
  });

  it('an abort is never retried', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/hang`, async () => {
        calls++;
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const fetch = createFetch({ baseUrl: BASE });
    const controller = new AbortController();
    const pending = fetch('hang', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
  });

  it('the deadline covers every attempt and wait: TimeoutError, not more attempts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let calls = 0;
    server.use(
      http.get(`${BASE}/slow`, async () => {
        calls++;
        await delay(600);
        return new HttpResponse(null, { status: 503 });
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, timeout: 1_000, random: () => 0 });
    const outcome = fetch('slow').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain('1000 ms');
    expect(calls).toBe(2);
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
    server.use(
      http.get(`${BASE}/slow`, async () => {
        await delay(300);
        return HttpResponse.json({});
      }),
    );
    const client = createClient({ baseUrl: BASE, timeout: 60_000 });
    await expect(client.get('slow', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
  });
});
