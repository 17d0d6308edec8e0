import { inspect } from 'node:util';
import {
  type AttacheEvent,
  type Authenticator,
  ConfigError,
  createClient,
  createFetch,
  createTokenSource,
  globalFetchTransport,
  NetworkError,
  RedirectError,
  type Transport,
  tokenAuth,
} from '@attache/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startHttpServer } from './support/servers.ts';

// Three origins on loopback: the partner (A), another allowed origin (B), and one outside the allow-list (C).
let partner: LocalServer;
let allowed: LocalServer;
let outside: LocalServer;

function answer(server: LocalServer) {
  return (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
    const url = new URL(request.url ?? '/', server.origin);
    request.resume();
    const date = url.searchParams.get('date');
    if (url.pathname === '/start') {
      const to = url.searchParams.get('to') ?? server.origin;
      response.writeHead(Number(url.searchParams.get('status')), {
        location: `${to}/final?last=${url.searchParams.get('last')}${date === null ? '' : `&date=${date}`}`,
      });
      return response.end();
    }
    // Only the final hop claims a time: the tests choose which hop that is.
    if (date !== null) response.setHeader('date', new Date(Date.now() + Number(date)).toUTCString());
    const last = url.searchParams.get('last');
    if (last === 'reset') return request.socket.destroy();
    if (last === '401') {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return response.end();
    }
    response.writeHead(last === '503' ? 503 : 200, { 'content-type': 'application/json' });
    response.end('{}');
  };
}

beforeAll(async () => {
  const start = (holder: { server?: LocalServer }) =>
    startHttpServer((req, res, server) => answer(server)(req, res)).then((s) => {
      holder.server = s;
      return s;
    });
  [partner, allowed, outside] = await Promise.all([start({}), start({}), start({})]);
});

afterAll(async () => {
  await Promise.all([partner.close(), allowed.close(), outside.close()]);
});

/** A token that changes on every 401, counting challenges. */
function rotating() {
  const counts = { attach: 0, challenge: 0 };
  let version = 1;
  const authenticator: Authenticator = {
    name: 'rotating',
    sensitiveHeaders: ['authorization'],
    attach(draft) {
      counts.attach++;
      draft.headers.set('authorization', `Bearer secret-token-${version}`);
    },
    challenge() {
      counts.challenge++;
      version++;
      return 'replay';
    },
  };
  return { authenticator, counts };
}

function pathCount(server: LocalServer, path: string): number {
  return server.requests.filter((r) => new URL(r.url, server.origin).pathname === path).length;
}

const METHODS = [
  ['GET', {}],
  ['POST with an Idempotency-Key', { method: 'POST', body: 'order', headers: { 'idempotency-key': 'k-1' } }],
  ['POST without', { method: 'POST', body: 'order' }],
] as const;
const STATUSES = [301, 302, 303, 307, 308] as const;
const TARGETS = ['same origin', 'allowed other origin', 'not allowed'] as const;
const LASTS = ['401', '503', 'reset'] as const;

describe('per-hop semantics: the redirect × retry × replay matrix (real servers, exact counts)', () => {
  const cases = METHODS.flatMap(([name, init]) =>
    STATUSES.flatMap((status) =>
      TARGETS.flatMap((target) => LASTS.map((last) => [name, init, status, target, last] as const)),
    ),
  );

  it.each(cases)('%s → %i → %s, last hop %s', async (_name, init, status, target, last) => {
    const server = target === 'same origin' ? partner : target === 'allowed other origin' ? allowed : outside;
    for (const s of [partner, allowed, outside]) s.requests.length = 0;
    const { authenticator, counts } = rotating();
    const fetch = createFetch({
      baseUrl: partner.origin,
      allowedOrigins: [partner.origin, allowed.origin],
      auth: authenticator,
      retry: { retries: 2, baseDelay: 0, maxDelay: 0 },
      retryBudget: false,
    });
    const outcome = await fetch(
      `start?status=${status}&last=${last}&to=${encodeURIComponent(server.origin)}`,
      {
        ...init,
      },
    ).catch((error: unknown) => error);

    const method = 'method' in init ? init.method : 'GET';
    const finalMethod =
      status === 303 || ((status === 301 || status === 302) && method === 'POST') ? 'GET' : method;
    const credentialed = target !== 'not allowed';
    const replayable = credentialed && (finalMethod === 'GET' || 'headers' in init);
    const expectedFinal = last === '401' ? (credentialed ? 2 : 1) : replayable ? 3 : 1;

    // The first hop was answered with a redirect: it went out exactly once, whatever happened after.
    expect(pathCount(partner, '/start')).toBe(1);
    expect(pathCount(server, '/final')).toBe(expectedFinal);
    expect(server.requests.filter((r) => r.url.startsWith('/final')).map((r) => r.method)).toEqual(
      Array(expectedFinal).fill(finalMethod),
    );
    expect(counts.challenge).toBe(last === '401' && credentialed ? 1 : 0);
    // Nothing of the credential reaches an origin outside the allow-list.
    for (const request of outside.requests) expect(request.headers.authorization).toBeUndefined();
    if (credentialed) {
      for (const request of server.requests) expect(request.headers.authorization).toMatch(/^Bearer secret/);
    }
    if (last === 'reset') expect(outcome).toBeInstanceOf(NetworkError);
    else expect((outcome as Response).status).toBe(Number(last));
  });
});

describe('per-hop semantics', () => {
  it('POST → 303 → GET answered 401: the GET is replayed, the POST went out once', async () => {
    for (const s of [partner, allowed, outside]) s.requests.length = 0;
    const { authenticator, counts } = rotating();
    const fetch = createFetch({ baseUrl: partner.origin, auth: authenticator });
    const response = await fetch('start?status=303&last=401', { method: 'POST', body: 'pay 10 EUR' });
    expect(response.status).toBe(401);
    expect(partner.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'POST /start',
      'GET /final',
      'GET /final',
    ]);
    expect(partner.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer secret-token-1',
      'Bearer secret-token-1',
      'Bearer secret-token-2',
    ]);
    expect(counts).toEqual({ attach: 3, challenge: 1 });
  });

  it('the clock learns the server’s time only from hops that carried credentials', async () => {
    const offsets: number[] = [];
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: { name: 'clock-reader', attach: (_draft, context) => void offsets.push(context.clock.offset) },
    });
    // The outside origin claims to be an hour ahead: it got no credentials, so it teaches nothing.
    const hour = 3_600_000;
    await fetch(`start?status=302&last=200&to=${encodeURIComponent(`${outside.origin}`)}&date=${hour}`);
    await fetch('final?last=200');
    expect(offsets).toEqual([0, 0]);
    await fetch(`final?last=200&date=${hour}`);
    await fetch('final?last=200');
    expect(offsets[3]).toBeGreaterThan(hour - 5_000);
  });

  it('one clock per client: a JWT exp from a token endpoint without Date is read with the offset the pipeline learned', async () => {
    const hour = 3_600_000;
    const key = new TextEncoder().encode('k'.repeat(32));
    let fetches = 0;
    const source = createTokenSource(
      async () => {
        fetches++;
        // The server's clock is an hour ahead: the token lives ten minutes in its time.
        const exp = Math.floor((Date.now() + hour + 600_000) / 1000);
        const jwt = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(exp)
          .sign(key);
        return { accessToken: jwt };
      },
      { key: `hops:clock:${Math.random()}` },
    );
    let calls = 0;
    const fetch = createFetch({ baseUrl: partner.origin, auth: tokenAuth({ source }) });
    calls++;
    expect((await fetch(`final?last=200&date=${hour}`)).status).toBe(200);
    // The first token was judged before anything was learned: about 70 minutes.
    expect(source.peek()!.expiresAt - Date.now()).toBeGreaterThan(hour);
    calls++;
    expect((await fetch(`final?last=401&date=${hour}`)).status).toBe(401);
    expect(fetches).toBe(2);
    // The refreshed one is read on the client's clock: ten minutes.
    const left = source.peek()!.expiresAt - Date.now();
    expect(left).toBeGreaterThan(500_000);
    expect(left).toBeLessThan(700_000);
    expect(calls).toBe(2);
  });

  it('a transport that presents credentials itself is never pointed at an origin outside the allow-list', async () => {
    for (const s of [partner, allowed, outside]) s.requests.length = 0;
    const events: AttacheEvent[] = [];
    const mtlsLike: Transport = Object.assign((o: Parameters<Transport>[0]) => globalFetchTransport(o), {
      presentsCredentials: true,
    });
    const fetch = createFetch({
      baseUrl: partner.origin,
      transport: mtlsLike,
      onEvent: (e) => events.push(e),
    });
    for (const status of STATUSES) {
      const response = await fetch(
        `start?status=${status}&last=200&to=${encodeURIComponent(outside.origin)}`,
      );
      expect(response.status).toBe(status);
    }
    expect(outside.requests).toHaveLength(0);
    expect(events.filter((e) => e.type === 'credential:withheld')).toHaveLength(STATUSES.length);
    expect(events.find((e) => e.type === 'credential:withheld')).toMatchObject({
      reason: 'redirect-not-followed',
      origin: outside.origin,
    });
    // Within the allow-list it follows as usual.
    const same = await fetch('start?status=302&last=200');
    expect(same.status).toBe(200);
    expect(() => createFetch({ transport: mtlsLike })).toThrow(ConfigError);
  });

  it.each([
    ['user:password', 'https://user:hunter2-secret@evil.test/landing'],
    ['an unparseable URL', 'https://hunter2-secret.test:99999999/x'],
    ['an unparseable host', 'http://hunter2-secret[.test/'],
  ])('a Location with %s is a RedirectError that carries nothing of it', async (_name, location) => {
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: rotating().authenticator,
      transport: async (outgoing) =>
        outgoing.url.includes('/start')
          ? new Response(null, { status: 302, headers: { location } })
          : new Response('{}'),
    });
    const error = await fetch('start').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectError);
    let chain: unknown = error;
    while (chain instanceof Error) {
      for (const text of [
        chain.message,
        chain.stack ?? '',
        JSON.stringify(chain),
        inspect(chain, { depth: 5 }),
      ]) {
        expect(text).not.toContain('hunter2');
      }
      chain = chain.cause;
    }
  });

  it('a user:password URL is a ConfigError on both faces, without the password', async () => {
    const url = `${partner.origin.replace('http://', 'http://user:hunter2-secret@')}/final?last=200`;
    const fetch = createFetch({ baseUrl: partner.origin });
    const client = createClient({ baseUrl: partner.origin });
    const errors = [
      await fetch(url).catch((e: unknown) => e),
      await Promise.resolve()
        .then(() => client.get(url))
        .catch((e: unknown) => e),
      await Promise.resolve()
        .then(() => client.post(new URL(url)))
        .catch((e: unknown) => e),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(`${(error as Error).message} ${inspect(error)}`).not.toContain('hunter2');
    }
  });

  it('the client face tells user:password from an @ elsewhere in the URL', async () => {
    const seen: string[] = [];
    const client = createClient({
      baseUrl: partner.origin,
      retry: 0,
      transport: async (outgoing) => {
        seen.push(new URL(outgoing.url).pathname + new URL(outgoing.url).search);
        return new Response('{}');
      },
    });
    const host = partner.origin.replace('http://', '');
    for (const input of [
      `//user:hunter2@${host}/x`,
      `//user@${host}/x`,
      `//:hunter2@${host}/x`,
      `http://us%40er:hunter2@${host}/x`,
      new URL(`http://user:hunter2@${host}/x`),
    ]) {
      const error = await Promise.resolve()
        .then(() => client.get(input))
        .catch((e: unknown) => e);
      expect(error, String(input)).toBeInstanceOf(ConfigError);
      expect(`${(error as Error).message} ${inspect(error)}`).not.toContain('hunter2');
    }
    for (const input of ['people/a@b.example', 'search?q=a@b', `${partner.origin}/x@y`, 'plain']) {
      await client.get(input).json();
    }
    expect(seen).toEqual(['/people/a@b.example', '/search?q=a@b', '/x@y', '/plain']);
  });
});
