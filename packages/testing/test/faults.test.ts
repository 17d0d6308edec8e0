import { ConfigError, createFetch } from '@attache/core';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFaults } from '../src/index.ts';
import { useMswServer } from './support/msw.ts';

const FILES = 'https://files.partner.test';
const faults = createFaults();
let served = 0;
const wrapped = faults.wrap([
  http.get(`${FILES}/report`, () => {
    served++;
    return HttpResponse.text('report');
  }),
  http.get(`${FILES}/dated`, () =>
    HttpResponse.text('dated', { headers: { date: 'Tue, 01 Jan 2030 00:00:00 GMT' } }),
  ),
]);
useMswServer(
  ...wrapped,
  http.get(`${FILES}/other`, () => HttpResponse.text('other')),
);

afterEach(() => {
  faults.reset();
  served = 0;
  vi.useRealTimers();
});

describe('faults around your own handlers', () => {
  it('lets requests through untouched when nothing is armed', async () => {
    const response = await fetch(`${FILES}/report`);
    expect(await response.text()).toBe('report');
    expect(response.headers.get('date')).not.toBeNull();
    expect(faults.calls).toEqual({ requests: 1, failed: 0, networkErrors: 0, delayed: 0 });
  });

  it('fails the next N with a status and Retry-After, then answers again', async () => {
    const at = new Date('2031-05-06T07:08:09Z');
    faults.failNext(1, 503, { retryAfter: 2 }).failNext(1, 429, { retryAfter: at, body: 'slow down' });
    expect(faults.pending).toBe(2);
    const first = await fetch(`${FILES}/report`);
    const second = await fetch(`${FILES}/report`);
    const third = await fetch(`${FILES}/report`);
    expect([first.status, second.status, third.status]).toEqual([503, 429, 200]);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(second.headers.get('retry-after')).toBe(at.toUTCString());
    expect(await second.text()).toBe('slow down');
    expect(served).toBe(1);
    expect(faults.pending).toBe(0);
    expect(faults.calls).toMatchObject({ requests: 3, failed: 2 });
  });

  it('fails with a network error: fetch rejects with a TypeError', async () => {
    faults.networkErrorNext(1);
    await expect(fetch(`${FILES}/report`)).rejects.toThrow(TypeError);
    expect((await fetch(`${FILES}/report`)).status).toBe(200);
    expect(faults.calls.networkErrors).toBe(1);
  });

  it('applies a fault only to requests it matches, by URL or predicate', async () => {
    faults.failNext(1, 500, { match: `${FILES}/report` });
    faults.failNext(1, 502, { match: (request) => request.headers.get('x-tenant') === 'b' });
    expect((await fetch(`${FILES}/dated`)).status).toBe(200);
    expect((await fetch(`${FILES}/dated`, { headers: { 'x-tenant': 'b' } })).status).toBe(502);
    expect((await fetch(`${FILES}/report?page=2`)).status).toBe(500);
    expect((await fetch(`${FILES}/report`)).status).toBe(200);
  });

  it('never touches requests the wrapped handlers do not answer', async () => {
    faults.failNext(1);
    expect(await (await fetch(`${FILES}/other`)).text()).toBe('other');
    expect(faults.calls.requests).toBe(0);
    expect(faults.pending).toBe(1);
  });

  it('uses faults up in arrival order under concurrency: exact counts', async () => {
    faults.failNext(3, 503);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${FILES}/report`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 503)).toHaveLength(3);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(served).toBe(7);
  });

  it('skews the Date header, replacing a handler’s own only when skewed', async () => {
    expect((await fetch(`${FILES}/dated`)).headers.get('date')).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
    faults.skewDate(-7_200_000);
    const skewed = Date.parse((await fetch(`${FILES}/dated`)).headers.get('date') ?? '');
    expect(Date.now() - skewed).toBeGreaterThan(7_190_000);
    expect(Date.now() - skewed).toBeLessThan(7_210_000);
    expect(faults.skew).toBe(-7_200_000);
  });

  it('delays the next responses; fake timers move them along', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    faults.delayNext(1, 10_000);
    let settled = false;
    const pending = fetch(`${FILES}/report`).then((response) => {
      settled = true;
      return response;
    });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pending).status).toBe(200);
    expect(faults.calls.delayed).toBe(1);
  });

  it('composes with the pipeline: two 503s are retried, the third attempt answers', async () => {
    faults.failNext(2, 503);
    const partner = createFetch({ baseUrl: FILES, random: () => 0 });
    const response = await partner('report');
    expect(response.status).toBe(200);
    expect(faults.calls).toMatchObject({ requests: 3, failed: 2 });
  });

  it('a slow response runs into the pipeline deadline', async () => {
    faults.delayNext(1, 5_000);
    const partner = createFetch({ baseUrl: FILES, timeout: 50, retry: false });
    await expect(partner('report')).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('reset disarms everything', async () => {
    faults.failNext(5).skewDate(1_000);
    faults.reset();
    expect(faults.pending).toBe(0);
    expect(faults.skew).toBe(0);
    expect((await fetch(`${FILES}/report`)).status).toBe(200);
  });
});

describe('createFaults options and arguments', () => {
  it('its clock is the time source plus the skew', () => {
    const local = createFaults({ now: () => 1_000_000 });
    expect(local.skewDate(500).now()).toBe(1_000_500);
  });

  const cases: [string, () => unknown, RegExp][] = [
    ['count 0', () => faults.failNext(0), /count must be a positive integer/],
    ['fractional count', () => faults.networkErrorNext(1.5), /count must be a positive integer/],
    ['status 99', () => faults.failNext(1, 99), /status must be an HTTP status/],
    ['negative delay', () => faults.delayNext(1, -1), /ms must be a non-negative/],
    ['relative match', () => faults.failNext(1, 503, { match: '/report' }), /match must be an absolute URL/],
    ['negative retryAfter', () => faults.failNext(1, 503, { retryAfter: -1 }), /retryAfter/],
    ['NaN skew', () => faults.skewDate(Number.NaN), /skewDate takes a finite number/],
    ['now not a function', () => createFaults({ now: 5 as never }), /now must be a function/],
  ];
  it.each(cases)('%s throws a ConfigError', (_name, call, message) => {
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(message);
  });
});
