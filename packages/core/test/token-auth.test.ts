import { inspect } from 'node:util';
import {
  type AttacheEvent,
  type AuthContext,
  type Authenticator,
  authenticateRequest,
  type ChallengeContext,
  ConfigError,
  createClient,
  createFetch,
  createTokenSource,
  type FetchToken,
  type RequestDraft,
  secret,
  TokenAcquisitionError,
  type TokenSource,
  tokenAuth,
  UnauthorizedError,
} from '@attache/core';
import { createLearningClock, parseWwwAuthenticate } from '@attache/core/internal';
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';

const API = 'https://api.partner.test';
const TOKEN_URL = 'https://auth.partner.test/token';
let keys = 0;

function context(overrides: Partial<AuthContext> = {}): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: createLearningClock(),
    isReplay: false,
    emit: () => {},
    ...overrides,
  };
}

function challengeContext(header: string | null, events: AttacheEvent[] = []): ChallengeContext {
  return { ...context({ emit: (event) => events.push(event) }), challenges: parseWwwAuthenticate(header) };
}

function counting(tokenType?: string): { fetchToken: FetchToken; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    fetchToken: async () => {
      calls++;
      return { accessToken: secret(`t${calls}`), expiresIn: 3600, ...(tokenType ? { tokenType } : {}) };
    },
  };
}

function newSource(fetchToken: FetchToken): TokenSource {
  // A fixed random keeps the back-off after a failure at half its ceiling, never a wait of ~0 ms.
  return createTokenSource(fetchToken, { key: `test:token-auth:${++keys}`, random: () => 0.5 });
}

/** The draft a pipeline would hand `challenge` for a request that was sent. */
function asSent(request: Request): RequestDraft {
  return { method: request.method, url: new URL(request.url), headers: request.headers, body: undefined };
}

const unauthorized = (header = 'Bearer error="invalid_token"') =>
  new Response(null, { status: 401, headers: { 'www-authenticate': header } });

describe('tokenAuth, called directly', () => {
  it('attaches Authorization: <token_type> <token> and declares the header sensitive', async () => {
    const auth = tokenAuth({ source: newSource(counting().fetchToken) });
    const original = new Request(`${API}/orders`);
    const request = await authenticateRequest(auth, original, context());
    expect(request.headers.get('authorization')).toBe('Bearer t1');
    expect(original.headers.has('authorization')).toBe(false);
    expect(auth.sensitiveHeaders).toEqual(['authorization']);
  });

  it("uses the token's type, or the scheme option", async () => {
    const typed = tokenAuth({ source: newSource(counting('DPoP').fetchToken) });
    expect((await authenticateRequest(typed, new Request(API), context())).headers.get('authorization')).toBe(
      'DPoP t1',
    );
    const forced = tokenAuth({ source: newSource(counting('bearer').fetchToken), scheme: 'Token' });
    expect(
      (await authenticateRequest(forced, new Request(API), context())).headers.get('authorization'),
    ).toBe('Token t1');
  });

  it('on a 401 invalidates the token the request carried, fetches one new token and answers replay', async () => {
    const { fetchToken, calls } = counting();
    const auth = tokenAuth({ source: newSource(fetchToken) });
    const sent = await authenticateRequest(auth, new Request(API), context());
    expect(
      await auth.challenge?.(unauthorized(), asSent(sent), challengeContext('Bearer error="invalid_token"')),
    ).toBe('replay');
    expect(calls()).toBe(2);
    const replay = await authenticateRequest(auth, new Request(API), context({ attempt: 2, isReplay: true }));
    expect(replay.headers.get('authorization')).toBe('Bearer t2');
  });

  it('a late 401 for an old token keeps the newer token: replay with it, no extra fetch', async () => {
    const { fetchToken, calls } = counting();
    const auth = tokenAuth({ source: newSource(fetchToken) });
    const early = await authenticateRequest(auth, new Request(API), context());
    const alsoEarly = await authenticateRequest(auth, new Request(API), context());
    await auth.challenge?.(unauthorized(), asSent(early), challengeContext(null));
    expect(calls()).toBe(2);
    expect(await auth.challenge?.(unauthorized(), asSent(alsoEarly), challengeContext(null))).toBe('replay');
    expect(calls()).toBe(2);
    const next = await authenticateRequest(auth, new Request(API), context());
    expect(next.headers.get('authorization')).toBe('Bearer t2');
  });

  it('answers fail for insufficient_scope without dropping the token', async () => {
    const { fetchToken, calls } = counting();
    const source = newSource(fetchToken);
    const auth = tokenAuth({ source });
    const sent = await authenticateRequest(auth, new Request(API), context());
    const header = 'Bearer error="insufficient_scope", scope="orders:write"';
    expect(await auth.challenge?.(unauthorized(header), asSent(sent), challengeContext(header))).toBe('fail');
    expect(source.peek()?.value.reveal()).toBe('t1');
    expect(calls()).toBe(1);
  });

  it('answers fail when the endpoint hands back the same token (no loop)', async () => {
    let calls = 0;
    const auth = tokenAuth({
      source: newSource(async () => {
        calls++;
        return { accessToken: 'always-the-same', expiresIn: 3600 };
      }),
    });
    const sent = await authenticateRequest(auth, new Request(API), context());
    expect(await auth.challenge?.(unauthorized(), asSent(sent), challengeContext(null))).toBe('fail');
    expect(calls).toBe(2);
  });

  it('finds the rejected token in the header when a later authenticator rebuilt the request', async () => {
    const { fetchToken, calls } = counting();
    const source = newSource(fetchToken);
    const auth = tokenAuth({ source });
    const ours = await authenticateRequest(auth, new Request(API), context());
    const signed = new Request(ours, { headers: [...ours.headers, ['signature', 'sig']] });
    expect(await auth.challenge?.(unauthorized(), asSent(signed), challengeContext(null))).toBe('replay');
    expect(calls()).toBe(2);
    expect(source.peek()?.value.reveal()).toBe('t2');
  });

  it('answers fail for a request it never authenticated', async () => {
    const { fetchToken, calls } = counting();
    const auth = tokenAuth({ source: newSource(fetchToken) });
    expect(await auth.challenge?.(unauthorized(), asSent(new Request(API)), challengeContext(null))).toBe(
      'fail',
    );
    expect(calls()).toBe(0);
  });

  it("routes the source's events to the pipeline's sink", async () => {
    const events: AttacheEvent[] = [];
    const auth = tokenAuth({ source: newSource(counting().fetchToken) });
    await authenticateRequest(auth, new Request(API), context({ emit: (event) => events.push(event) }));
    expect(events).toMatchObject([{ type: 'token:acquired', source: 'network' }]);
  });

  it('validates its options', () => {
    expect(() => tokenAuth({} as never)).toThrow(ConfigError);
    expect(() => tokenAuth({ source: { get: () => {} } as never })).toThrow(/source/);
    expect(() => tokenAuth({ source: newSource(counting().fetchToken), scheme: 'Bad Scheme' })).toThrow(
      /scheme/,
    );
  });
});

describe('tokenAuth through createFetch (msw)', () => {
  const server = useMswServer();

  /** A token endpoint and an API that accepts only the tokens it issued and has not revoked. */
  function partner(options: { failTokenWith?: number } = {}) {
    const issued = new Set<string>();
    const counts = { token: 0, api: 0 };
    let tokenStatus = options.failTokenWith;
    server.use(
      http.post(TOKEN_URL, () => {
        counts.token++;
        if (tokenStatus !== undefined)
          return HttpResponse.json({ error: 'temporarily_unavailable' }, { status: tokenStatus });
        const token = `access-${counts.token}`;
        issued.add(token);
        return HttpResponse.json({ access_token: token, token_type: 'bearer', expires_in: 3600 });
      }),
      http.get(`${API}/orders`, ({ request }) => {
        counts.api++;
        const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
        if (!issued.has(token)) {
          return new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          });
        }
        return HttpResponse.json({ orders: [] });
      }),
    );
    const fetchToken: FetchToken = async ({ signal }) => {
      const response = await fetch(TOKEN_URL, {
        method: 'POST',
        body: 'grant_type=client_credentials',
        signal,
      });
      if (!response.ok)
        throw new TokenAcquisitionError('Token endpoint refused', { status: response.status });
      const body = (await response.json()) as {
        access_token: string;
        token_type: string;
        expires_in: number;
      };
      return {
        accessToken: secret(body.access_token),
        tokenType: body.token_type,
        expiresIn: body.expires_in,
      };
    };
    return {
      counts,
      fetchToken,
      revokeAll: () => issued.clear(),
      failTokenWith: (status: number | undefined) => {
        tokenStatus = status;
      },
    };
  }

  it('20 concurrent 401s cause exactly one refresh, and every call succeeds on its one replay', async () => {
    const p = partner();
    const events: AttacheEvent[] = [];
    const source = newSource(p.fetchToken);
    const fetch = createFetch({
      baseUrl: API,
      auth: tokenAuth({ source }),
      onEvent: (event) => events.push(event),
    });
    expect((await fetch('orders')).status).toBe(200);
    p.revokeAll();
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch('orders')));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(p.counts.token).toBe(2);
    expect(p.counts.api).toBe(1 + 20 + 20);
    expect(events.filter((event) => event.type === 'challenge:handled')).toHaveLength(20);
  });

  it('1,000 concurrent calls on a cold client fetch one token', async () => {
    const p = partner();
    const fetch = createFetch({ baseUrl: API, auth: tokenAuth({ source: newSource(p.fetchToken) }) });
    const responses = await Promise.all(Array.from({ length: 1000 }, () => fetch('orders')));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(p.counts.token).toBe(1);
  });

  it('two clients built separately with the same cache key share one token fetch', async () => {
    const p = partner();
    const key = `test:token-auth:shared:${++keys}`;
    const one = createFetch({
      baseUrl: API,
      auth: tokenAuth({ source: createTokenSource(p.fetchToken, { key }) }),
    });
    const two = createFetch({
      baseUrl: API,
      auth: tokenAuth({ source: createTokenSource(p.fetchToken, { key }) }),
    });
    const responses = await Promise.all([
      ...Array.from({ length: 10 }, () => one('orders')),
      ...Array.from({ length: 10 }, () => two('orders')),
    ]);
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(p.counts.token).toBe(1);
  });

  it('a second 401 is final: one refresh, one replay, no loop', async () => {
    const p = partner();
    const source = newSource(p.fetchToken);
    const fetch = createFetch({ baseUrl: API, auth: tokenAuth({ source }) });
    server.use(
      http.get(`${API}/orders`, () => {
        p.counts.api++;
        return new HttpResponse(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      }),
    );
    const response = await fetch('orders');
    expect(response.status).toBe(401);
    expect(p.counts.api).toBe(2);
    expect(p.counts.token).toBe(2);
    const client = createClient({ baseUrl: API, auth: tokenAuth({ source }) });
    await expect(client.get('orders')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('a token endpoint failure surfaces as a retryable TokenAcquisitionError, then fails fast during back-off', async () => {
    const p = partner({ failTokenWith: 503 });
    const fetch = createFetch({ baseUrl: API, auth: tokenAuth({ source: newSource(p.fetchToken) }) });
    const error = await fetch('orders').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ status: 503, isRetryable: true });
    const again = await Promise.allSettled(Array.from({ length: 10 }, () => fetch('orders')));
    expect(again.every((result) => result.status === 'rejected' && result.reason === error)).toBe(true);
    expect(p.counts.token).toBe(1);
    expect(p.counts.api).toBe(0);
  });

  it("the call's abort stops waiting for a token; the shared token fetch goes on", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let tokenCalls = 0;
    server.use(
      http.post(TOKEN_URL, async () => {
        tokenCalls++;
        await gate;
        return HttpResponse.text('late-token');
      }),
    );
    let signalSeen: AbortSignal | undefined;
    const source = newSource(async ({ signal }) => {
      signalSeen = signal;
      const response = await fetch(TOKEN_URL, { method: 'POST', signal });
      return { accessToken: await response.text(), expiresIn: 3600 };
    });
    const controller = new AbortController();
    const fetchWithAuth = createFetch({ baseUrl: API, auth: tokenAuth({ source }) });
    const pending = fetchWithAuth('orders', { signal: controller.signal });
    await vi.waitFor(() => expect(tokenCalls).toBe(1));
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
    expect(signalSeen?.aborted).toBe(false);
    release();
    expect((await source.get()).value.reveal()).toBe('late-token');
    expect(tokenCalls).toBe(1);
  });

  it('never puts the token in events or errors', async () => {
    const p = partner();
    const events: AttacheEvent[] = [];
    const auth: Authenticator = tokenAuth({ source: newSource(p.fetchToken) });
    const fetch = createFetch({ baseUrl: API, auth, onEvent: (event) => events.push(event) });
    await fetch('orders');
    p.revokeAll();
    await fetch('orders');
    const refused = await fetch('https://elsewhere.test/orders').catch((caught: unknown) => caught);
    for (const printed of [JSON.stringify(events), inspect(refused, { depth: 5 }), JSON.stringify(refused)]) {
      expect(printed).not.toMatch(/access-\d/);
    }
  });
});
