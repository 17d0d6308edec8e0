import {
  type AttacheEvent,
  type AttacheEventListener,
  type AttemptEndEvent,
  type AttemptStartEvent,
  type Authenticator,
  ConfigError,
  createClient,
  createFetch,
  createTokenSource,
  defineEndpoint,
  tokenAuth,
} from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import { HttpResponse, http, passthrough } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';
import { startHttpServer } from './support/servers.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();
let keys = 0;

/** A token source whose n-th token is `tok-n`; its fetch reports a `token:request` through `context.emit`. */
function counterSource(clock: { now: () => number; advance: (ms: number) => void }) {
  let fetched = 0;
  const source = createTokenSource(
    async (context) => {
      fetched++;
      clock.advance(40);
      context.emit({
        type: 'token:request',
        endpoint: 'https://auth.partner.test/token',
        grantType: 'client_credentials',
        status: 200,
        attempts: 1,
        durationMs: 40,
      });
      return { accessToken: `tok-${fetched}`, expiresIn: 3600 };
    },
    { key: `test:call-events:${++keys}`, now: clock.now },
  );
  return { source, fetched: () => fetched };
}

function manualClock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** The partner, answering every path under BASE; `api.faults` breaks it on demand. */
function partner() {
  const api = mockPartnerApi({ baseUrl: BASE });
  server.use(...api.handlers);
  return api;
}

const starts = (events: AttacheEvent[]) =>
  events.filter((e): e is AttemptStartEvent => e.type === 'attempt:start');
const ends = (events: AttacheEvent[]) => events.filter((e): e is AttemptEndEvent => e.type === 'attempt:end');

describe('one event stream: call ids and attempt events', () => {
  it('a 503, then a 401 replayed with a fresh token: three attempts with their reasons, one callId', async () => {
    const clock = manualClock();
    const { source, fetched } = counterSource(clock);
    const seen: string[] = [];
    let n = 0;
    // Hand-built: each answer moves the test's clock by 10 ms, so every duration below is exact.
    server.use(
      http.get(`${BASE}/orders`, ({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        clock.advance(10);
        n++;
        if (n === 1) return new HttpResponse(null, { status: 503 });
        if (n === 2) {
          return new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          });
        }
        return HttpResponse.json({ ok: true });
      }),
    );
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: tokenAuth({ source }),
      now: clock.now,
      random: () => 0,
      onEvent: (event) => events.push(event),
    });
    const response = await fetch('orders');
    expect(response.status).toBe(200);
    expect(fetched()).toBe(2);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);

    const ids = new Set(events.map((e) => e.callId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^call-/);

    expect(starts(events).map(({ callId: _c, ...e }) => e)).toStrictEqual([
      {
        type: 'attempt:start',
        method: 'GET',
        url: `${BASE}/orders`,
        attempt: 1,
        hop: 0,
        resendCount: 0,
        reason: 'initial',
        access: 'credentials',
        authenticators: ['token'],
      },
      {
        type: 'attempt:start',
        method: 'GET',
        url: `${BASE}/orders`,
        attempt: 2,
        hop: 0,
        resendCount: 1,
        reason: 'retry',
        retryReason: '503',
        access: 'credentials',
        authenticators: ['token'],
      },
      {
        type: 'attempt:start',
        method: 'GET',
        url: `${BASE}/orders`,
        attempt: 3,
        hop: 0,
        resendCount: 2,
        reason: 'replay',
        access: 'credentials',
        authenticators: ['token'],
      },
    ]);
    // The first attempt waited 40 ms for the token and 10 ms for the answer; the others only for the answer
    // (the replay's token was fetched by the challenge, between attempts 2 and 3).
    expect(ends(events).map((e) => [e.attempt, e.status, e.durationMs, e.resendCount])).toEqual([
      [1, 503, 50, 0],
      [2, 401, 10, 1],
      [3, 200, 10, 2],
    ]);
    const tokens = events.filter((e) => e.type === 'token:acquired');
    expect(tokens.map((e) => [e.source, e.waitedMs])).toEqual([
      ['network', 40],
      ['network', 40],
    ]);
    expect(events.filter((e) => e.type === 'token:request')).toHaveLength(2);
    // Every token event sits between its attempt's start and end.
    const order = events.map((e) => e.type);
    expect(order).toEqual([
      'request:start',
      'attempt:start',
      'token:request',
      'token:acquired',
      'attempt:end',
      'retry:scheduled',
      'attempt:start',
      'attempt:end',
      'token:request',
      'token:acquired',
      'challenge:handled',
      'attempt:start',
      'attempt:end',
      'request:end',
    ]);
  });

  it('40 concurrent calls: 40 distinct callIds, each with its own start, attempt and end', async () => {
    const api = partner();
    const events: AttacheEvent[] = [];
    const fetch = createFetch({ baseUrl: BASE, onEvent: (event) => events.push(event) });
    await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`items/${i}`)));
    expect(api.calls).toEqual({ total: 40, accepted: 40, rejected: 0, faulted: 0 });
    const byCall = new Map<string, AttacheEvent[]>();
    for (const event of events) {
      expect(event.callId).toBeDefined();
      byCall.set(event.callId ?? '', [...(byCall.get(event.callId ?? '') ?? []), event]);
    }
    expect(byCall.size).toBe(40);
    const urls = new Set<string>();
    for (const group of byCall.values()) {
      expect(group.map((e) => e.type)).toEqual([
        'request:start',
        'attempt:start',
        'attempt:end',
        'request:end',
      ]);
      const start = group[0];
      if (start?.type !== 'request:start') throw new TypeError('expected request:start');
      expect(group[1]).toMatchObject({ url: start.url, access: 'plain', authenticators: [] });
      urls.add(start.url);
    }
    expect(urls.size).toBe(40);
  });

  it('a redirect to an origin outside the allow-list: the hop is its own attempt, credentials withheld', async () => {
    server.use(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
    const other = await startHttpServer((_req, res) => res.end('elsewhere'));
    const home = await startHttpServer((_req, res) => {
      res.writeHead(302, { location: `${other.origin}/landing` });
      res.end();
    });
    try {
      const events: AttacheEvent[] = [];
      const fetch = createFetch({
        baseUrl: home.origin,
        auth: { name: 'key', attach: (draft) => draft.headers.set('x-key', 'k') },
        onEvent: (event) => events.push(event),
      });
      expect((await fetch('start')).status).toBe(200);
      expect(starts(events).map((e) => [e.hop, e.reason, e.access, e.resendCount, e.attempt])).toEqual([
        [0, 'initial', 'credentials', 0, 1],
        [1, 'redirect', 'withheld', 1, 1],
      ]);
      expect(ends(events).map((e) => e.status)).toEqual([302, 200]);
    } finally {
      await other.close();
      await home.close();
    }
  });

  it('a network error: the attempt ends with NETWORK and the retry says why', async () => {
    const api = partner();
    api.faults.networkErrorNext(1);
    const events: AttacheEvent[] = [];
    const fetch = createFetch({ baseUrl: BASE, random: () => 0, onEvent: (event) => events.push(event) });
    expect((await fetch('flaky')).status).toBe(200);
    expect(ends(events).map((e) => e.error ?? e.status)).toEqual(['NETWORK', 200]);
    expect(starts(events).map((e) => e.retryReason)).toEqual([undefined, 'network']);
    expect(api.calls).toEqual({ total: 2, accepted: 1, rejected: 0, faulted: 1 });
  });

  it('an authenticator that fails ends the attempt with its code', async () => {
    const failing: Authenticator = {
      name: 'broken',
      attach: async () => {
        const source = createTokenSource(
          async () => {
            throw new TypeError('down');
          },
          { key: `test:call-events:${++keys}` },
        );
        await source.get();
      },
    };
    const events: AttacheEvent[] = [];
    const fetch = createFetch({ baseUrl: BASE, auth: failing, onEvent: (event) => events.push(event) });
    await expect(fetch('x')).rejects.toMatchObject({ code: 'TOKEN_ACQUISITION' });
    expect(ends(events).map((e) => e.error)).toEqual(['TOKEN_ACQUISITION']);
    expect(events.at(-1)).toMatchObject({ type: 'request:end', error: 'TOKEN_ACQUISITION', attempts: 1 });
  });

  it('AuthContext.callId matches the events, and is absent when nobody listens', async () => {
    const api = partner();
    const seen: (string | undefined)[] = [];
    const probe: Authenticator = {
      name: 'probe',
      attach: (_draft, context) => void seen.push(context.callId),
    };
    const events: AttacheEvent[] = [];
    await createFetch({ baseUrl: BASE, auth: probe, onEvent: (e) => events.push(e) })('ping');
    await createFetch({ baseUrl: BASE, auth: probe })('ping');
    expect(seen[0]).toBe(events[0]?.callId);
    expect(seen[0]).toMatch(/^call-/);
    expect(seen[1]).toBeUndefined();
    expect(api.calls.total).toBe(2);
  });

  it("createClient calls the listener's bindCall synchronously, where each call is made, with the call's id", async () => {
    const api = partner();
    const order: string[] = [];
    const events: AttacheEvent[] = [];
    const listener: AttacheEventListener = (event) => {
      events.push(event);
      if (event.type === 'request:start') order.push(`start ${event.callId}`);
    };
    listener.bindCall = (callId) => order.push(`bind ${callId}`);
    const client = createClient({ baseUrl: BASE, onEvent: listener });

    const pending = Array.from({ length: 20 }, (_, i) => client.get(`orders/${i}`).json());
    // Bound before any of them reached the pipeline (ky starts it after awaits of its own).
    const bound = order.filter((entry) => entry.startsWith('bind '));
    expect(bound).toHaveLength(20);
    expect(order).toEqual(bound);
    await Promise.all(pending);
    await client.call(defineEndpoint({ method: 'GET', path: '/orders/typed' }), {});

    const ids = bound.map((entry) => entry.slice('bind '.length));
    expect(new Set(ids).size).toBe(20);
    const started = events.filter((e) => e.type === 'request:start').map((e) => e.callId);
    expect(started.slice(0, 20).sort()).toEqual([...ids].sort());
    // The typed endpoint call was bound as well, under the id its events carry.
    expect(order.at(-2)).toBe(`bind ${started[20]}`);
    expect(order.at(-1)).toBe(`start ${started[20]}`);
    expect(api.calls.total).toBe(21);
  });

  it('a throwing bindCall never breaks a call; createFetch needs none; a bindCall that is no function is refused', async () => {
    const api = partner();
    const listener: AttacheEventListener = () => {};
    let binds = 0;
    listener.bindCall = () => {
      binds++;
      throw new Error('listener bug');
    };
    expect(await createClient({ baseUrl: BASE, onEvent: listener }).get('orders/1').json()).toBeDefined();
    expect(binds).toBe(1);
    expect((await createFetch({ baseUrl: BASE, onEvent: listener })('orders/2')).status).toBe(200);
    expect(binds).toBe(1);
    const broken = Object.assign(() => {}, { bindCall: 'yes' }) as unknown as AttacheEventListener;
    expect(() => createFetch({ baseUrl: BASE, onEvent: broken })).toThrow(ConfigError);
    expect(() => createFetch({ baseUrl: BASE, onEvent: broken })).toThrow(
      'onEvent.bindCall must be a function',
    );
    expect(api.calls.total).toBe(2);
  });
});
