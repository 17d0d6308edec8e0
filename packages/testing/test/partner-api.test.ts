import { authenticateRequest, ConfigError, secret } from '@attache/core';
import { parseWwwAuthenticate } from '@attache/core/internal';
import { hmacAuth } from '@attache/hmac';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { mockAuthorizationServer, mockPartnerApi } from '../src/index.ts';
import { useMswServer } from './support/msw.ts';
import { basicAuthorization, dpopKey, dpopProof, requestToken } from './support/oauth.ts';

const ISSUER = 'https://auth.partner.test';
const API = 'https://api.partner.test';

const as = mockAuthorizationServer({
  issuer: ISSUER,
  clients: [{ clientId: 'robot', clientSecret: 'robot-secret', scopes: ['orders:read', 'orders:write'] }],
  audience: API,
});

const bearerApi = mockPartnerApi({
  baseUrl: `${API}/v1`,
  guards: { bearer: { authorizationServer: as, audience: API, scopes: ['orders:read'] } },
  routes: {
    'GET /orders/:id': ({ params, principal }) => ({
      id: params.id,
      client: (principal.token as { client_id: string }).client_id,
    }),
    'POST /orders': {
      scopes: ['orders:write'],
      respond: () => HttpResponse.json({ id: 'o-1' }, { status: 201 }),
    },
    'DELETE /orders/:id': () => undefined,
    'GET /health': { public: true, respond: () => ({ healthy: true }) },
  },
});

const server = useMswServer(...as.handlers, ...bearerApi.handlers);
afterEach(() => {
  as.reset();
  bearerApi.reset();
});

function challengeOf(response: Response) {
  const [challenge] = parseWwwAuthenticate(response.headers.get('www-authenticate'));
  return challenge;
}

describe('bearer guard', () => {
  it('accepts a token from the token endpoint and hands its claims to the route', async () => {
    const body = (await (
      await requestToken(as.tokenEndpoint, {
        headers: { authorization: basicAuthorization('robot', 'robot-secret') },
      })
    ).json()) as { access_token: string };
    const response = await fetch(`${API}/v1/orders/42`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: '42', client: 'robot' });
    expect(bearerApi.calls).toMatchObject({ total: 1, accepted: 1, rejected: 0 });
    expect(bearerApi.requests[0]).toMatchObject({
      method: 'GET',
      route: 'GET /orders/:id',
      status: 200,
      outcome: 'accepted',
      clientId: 'robot',
    });
  });

  it('answers a request without a token 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const response = await fetch(`${API}/v1/orders/1`);
    expect(response.status).toBe(401);
    const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate'));
    expect(challenges.map((c) => c.scheme)).toEqual(['bearer', 'dpop']);
    expect(challenges[0]!.params).toEqual({ realm: 'api.partner.test' });
    expect(bearerApi.requests[0]).toMatchObject({
      outcome: 'rejected',
      rejectedBy: 'bearer',
      reason: 'no access token',
    });
  });

  it('answers invalid_token for an expired, revoked, foreign-audience or garbled token', async () => {
    const expired = await as.issueToken({ scope: 'orders:read', expiresIn: -1 });
    const revoked = await as.issueToken({ scope: 'orders:read' });
    as.revoke(revoked.accessToken);
    const foreign = await as.issueToken({ scope: 'orders:read', audience: 'https://other.test' });
    for (const token of [expired.accessToken, revoked.accessToken, foreign.accessToken, 'garbage', 'a b']) {
      const response = await fetch(`${API}/v1/orders/1`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      const challenge = challengeOf(response);
      expect(challenge?.scheme).toBe('bearer');
      expect(challenge?.params.error).toBe('invalid_token');
      expect(challenge?.params.error_description).not.toContain('"');
    }
    expect(bearerApi.requests.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^invalid_token: "exp"/),
      'invalid_token: the access token was revoked',
      expect.stringMatching(/^invalid_token: unexpected "aud"/),
      expect.stringMatching(/^invalid_token/),
      'invalid_token: malformed access token',
    ]);
  });

  it('answers 403 insufficient_scope naming the scope, per route', async () => {
    const readOnly = await as.issueToken({ scope: 'orders:read' });
    const response = await fetch(`${API}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readOnly.accessToken}` },
    });
    expect(response.status).toBe(403);
    expect(challengeOf(response)?.params).toMatchObject({
      error: 'insufficient_scope',
      scope: 'orders:read orders:write',
    });
    const writer = await as.issueToken({ scope: 'orders:read orders:write' });
    const created = await fetch(`${API}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer.accessToken}` },
    });
    expect(created.status).toBe(201);
    const deleted = await fetch(`${API}/v1/orders/9`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${writer.accessToken}` },
    });
    expect(deleted.status).toBe(204);
  });

  it('lets public routes through without credentials', async () => {
    expect(await (await fetch(`${API}/v1/health`)).json()).toEqual({ healthy: true });
  });

  it('leaves paths without a route to other handlers', async () => {
    server.use(http.get(`${API}/v1/elsewhere`, () => HttpResponse.text('someone else')));
    expect(await (await fetch(`${API}/v1/elsewhere`)).text()).toBe('someone else');
    expect(bearerApi.calls.total).toBe(0);
  });
});

describe('DPoP-bound tokens at the API (RFC 9449 §7)', () => {
  async function boundToken(key: Awaited<ReturnType<typeof dpopKey>>) {
    const proof = await dpopProof(key, { htm: 'POST', htu: as.tokenEndpoint });
    const response = await requestToken(as.tokenEndpoint, {
      headers: { authorization: basicAuthorization('robot', 'robot-secret'), dpop: proof },
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }
  const url = `${API}/v1/orders/7`;

  it('accepts the DPoP scheme with a proof bound to the token (ath) and to the key (jkt)', async () => {
    const key = await dpopKey();
    const token = await boundToken(key);
    const proof = await dpopProof(key, { htm: 'GET', htu: `${url}?expand=items`, accessToken: token });
    const response = await fetch(`${url}?expand=items`, {
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    });
    expect(response.status).toBe(200);
  });

  it('refuses a bound token sent as Bearer, a proof without ath, a proof by another key', async () => {
    const key = await dpopKey();
    const token = await boundToken(key);
    const asBearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(challengeOf(asBearer)).toMatchObject({ scheme: 'dpop', params: { error: 'invalid_token' } });
    const noAth = await fetch(url, {
      headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, { htm: 'GET', htu: url }) },
    });
    expect(challengeOf(noAth)).toMatchObject({ scheme: 'dpop', params: { error: 'invalid_dpop_proof' } });
    const other = await dpopKey();
    const otherKey = await fetch(url, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(other, { htm: 'GET', htu: url, accessToken: token }),
      },
    });
    expect(challengeOf(otherKey)).toMatchObject({ scheme: 'dpop', params: { error: 'invalid_dpop_proof' } });
    expect(challengeOf(otherKey)?.params.algs).toContain('ES256');
    const unbound = await as.issueToken({ scope: 'orders:read' });
    const unboundAsDpop = await fetch(url, {
      headers: {
        authorization: `DPoP ${unbound.accessToken}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: url, accessToken: unbound.accessToken }),
      },
    });
    expect(challengeOf(unboundAsDpop)?.params.error_description).toBe('the access token is not DPoP-bound');
  });

  it('asks for its own nonce with use_dpop_nonce and DPoP-Nonce', async () => {
    const nonceApi = mockPartnerApi({
      baseUrl: 'https://nonce-api.partner.test',
      guards: { bearer: { authorizationServer: as, dpop: { nonce: true, required: true } } },
    });
    server.use(...nonceApi.handlers);
    const key = await dpopKey();
    const token = await boundToken(key);
    const target = 'https://nonce-api.partner.test/things';
    const first = await fetch(target, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: target, accessToken: token }),
      },
    });
    expect(first.status).toBe(401);
    expect(challengeOf(first)).toMatchObject({ scheme: 'dpop', params: { error: 'use_dpop_nonce' } });
    const nonce = first.headers.get('dpop-nonce') ?? '';
    expect(nonce).toBe(nonceApi.dpopNonce);
    const second = await fetch(target, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: target, accessToken: token, nonce }),
      },
    });
    expect(second.status).toBe(200);
    const plain = await as.issueToken();
    const bearer = await fetch(target, { headers: { authorization: `Bearer ${plain.accessToken}` } });
    expect(challengeOf(bearer)?.params.error_description).toBe('a DPoP-bound access token is required');
    expect(
      parseWwwAuthenticate((await fetch(target)).headers.get('www-authenticate')).map((c) => c.scheme),
    ).toEqual(['dpop']);
  });
});

describe('API key guard', () => {
  it('checks a header (with prefix), a query parameter or a cookie, and rotates keys', async () => {
    const header = mockPartnerApi({
      baseUrl: 'https://header.partner.test',
      guards: { apiKey: { keys: ['k-1'], name: 'Authorization', prefix: 'ApiKey ' } },
    });
    const query = mockPartnerApi({
      baseUrl: 'https://query.partner.test',
      guards: { apiKey: { in: 'query', keys: 'k-1' } },
    });
    const cookie = mockPartnerApi({
      baseUrl: 'https://cookie.partner.test',
      guards: { apiKey: { in: 'cookie', keys: 'k-1' } },
    });
    server.use(...header.handlers, ...query.handlers, ...cookie.handlers);

    expect(
      (await fetch('https://header.partner.test/x', { headers: { authorization: 'ApiKey k-1' } })).status,
    ).toBe(200);
    expect((await fetch('https://header.partner.test/x', { headers: { authorization: 'k-1' } })).status).toBe(
      401,
    );
    expect((await fetch('https://query.partner.test/x?api_key=k-1')).status).toBe(200);
    expect((await fetch('https://query.partner.test/x?api_key=k-1&api_key=k-1')).status).toBe(401);
    expect(
      (await fetch('https://cookie.partner.test/x', { headers: { cookie: 'theme=dark; api_key=k-1' } }))
        .status,
    ).toBe(200);
    const missing = await fetch('https://cookie.partner.test/x');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      error: 'invalid_api_key',
      error_description: 'no api_key cookie',
    });

    query.setApiKeys(['k-2']);
    expect((await fetch('https://query.partner.test/x?api_key=k-1')).status).toBe(401);
    expect((await fetch('https://query.partner.test/x?api_key=k-2')).status).toBe(200);
    expect(query.requests.map((r) => r.reason)).toEqual([
      undefined,
      'api_key query parameter sent more than once',
      'unknown API key',
      undefined,
    ]);
    expect(JSON.stringify(query.requests)).not.toMatch(/k-[12]/);
    expect(query.requests[0]!.url).toBe('https://query.partner.test/x?api_key=%5Bredacted%5D');
    query.reset();
    expect((await fetch('https://query.partner.test/x?api_key=k-1')).status).toBe(200);
  });

  it('answers with the default echo route under baseUrl only', async () => {
    const open = mockPartnerApi({ baseUrl: 'https://open.partner.test/v2/' });
    server.use(
      ...open.handlers,
      http.get('https://open.partner.test/v20', () => HttpResponse.text('not the API')),
    );
    expect(await (await fetch('https://open.partner.test/v2/a/b?c=d', { method: 'PUT' })).json()).toEqual({
      ok: true,
      method: 'PUT',
      path: '/v2/a/b',
      clientId: null,
      keyId: null,
    });
    expect(await (await fetch('https://open.partner.test/v20')).text()).toBe('not the API');
    expect(open.calls.total).toBe(1);
  });
});

describe('HMAC guard (the real @attache/hmac verifier)', () => {
  const KEY = 'hmac-shared-secret-0123456789abcdef';
  const signed = mockPartnerApi({
    baseUrl: 'https://signed.partner.test',
    guards: { hmac: { keys: { 'client-42': KEY } } },
  });

  async function sign(request: Request): Promise<Request> {
    const signer = hmacAuth({ keyId: 'client-42', key: secret(KEY) });
    return authenticateRequest(signer, request, {
      attempt: 1,
      isReplay: false,
      signal: new AbortController().signal,
      clock: { now: () => Date.now(), offset: 0 },
      emit: () => {},
    });
  }

  it('accepts a signed request and refuses a tampered or replayed one, saying why', async () => {
    server.use(...signed.handlers);
    const request = await sign(
      new Request('https://signed.partner.test/payments', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"amount":100}',
      }),
    );
    const ok = await fetch(request.clone());
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ keyId: 'client-42' });

    const replay = await fetch(request.clone());
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_signature', reason: 'replayed-nonce' });

    const tampered = new Request(request.clone(), { body: '{"amount":999}' });
    expect(await (await fetch(tampered)).json()).toMatchObject({ reason: 'digest-mismatch' });
    expect(await (await fetch('https://signed.partner.test/payments')).json()).toMatchObject({
      reason: 'missing-signature',
    });
    expect(signed.requests.map((r) => [r.outcome, r.rejectedBy ?? r.keyId])).toEqual([
      ['accepted', 'client-42'],
      ['rejected', 'hmac'],
      ['rejected', 'hmac'],
      ['rejected', 'hmac'],
    ]);
  });
});

describe('faults on the API', () => {
  it('fail before the guards and are logged as faulted', async () => {
    const token = await as.issueToken({ scope: 'orders:read' });
    bearerApi.faults.failNext(1, 429, { retryAfter: 3, body: { error: 'slow_down' } }).networkErrorNext(1);
    const limited = await fetch(`${API}/v1/orders/1`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ error: 'slow_down' });
    await expect(fetch(`${API}/v1/orders/1`)).rejects.toThrow(TypeError);
    const ok = await fetch(`${API}/v1/orders/1`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(ok.status).toBe(200);
    expect(bearerApi.calls).toMatchObject({ total: 3, accepted: 1, rejected: 0, faulted: 2 });
    expect(bearerApi.requests.map((r) => [r.outcome, r.status])).toEqual([
      ['faulted', 429],
      ['faulted', 0],
      ['accepted', 200],
    ]);
  });
});

describe('a foreign authorization server by { issuer, jwksUri }', () => {
  it('verifies tokens against its JWKS fetched over HTTP', async () => {
    const remote = mockPartnerApi({
      baseUrl: 'https://remote.partner.test',
      guards: { bearer: { authorizationServer: { issuer: ISSUER, jwksUri: as.jwksUri } } },
    });
    server.use(...remote.handlers);
    const token = await as.issueToken();
    const response = await fetch('https://remote.partner.test/x', {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(response.status).toBe(200);
    expect(as.calls.jwks).toBe(1);
    const forged = await mockAuthorizationServer({ issuer: ISSUER, clients: [] }).issueToken();
    const refused = await fetch('https://remote.partner.test/x', {
      headers: { authorization: `Bearer ${forged.accessToken}` },
    });
    expect(challengeOf(refused)?.params.error).toBe('invalid_token');
  });
});

describe('options are checked at once', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no baseUrl', {}, /baseUrl must be an absolute URL/],
    ['ftp baseUrl', { baseUrl: 'ftp://x.test' }, /baseUrl must be an http\(s\) URL/],
    [
      'bad route key',
      { baseUrl: API, routes: { '/orders': () => 1 } },
      /routes key "\/orders" must be "METHOD \/path"/,
    ],
    [
      'route scopes without bearer',
      { baseUrl: API, routes: { 'GET /a': { scopes: ['x'], respond: () => 1 } } },
      /needs guards\.bearer/,
    ],
    ['empty api keys', { baseUrl: API, guards: { apiKey: { keys: [] } } }, /guards\.apiKey\.keys must be/],
    [
      'prefix on a query key',
      { baseUrl: API, guards: { apiKey: { in: 'query', keys: 'k', prefix: 'x' } } },
      /prefix/,
    ],
    [
      'bearer without server',
      { baseUrl: API, guards: { bearer: {} } },
      /guards\.bearer\.authorizationServer is required/,
    ],
    ['hmac without keys', { baseUrl: API, guards: { hmac: {} } }, /createHmacVerifier/],
    ['now and faults', { baseUrl: API, now: Date.now, faults: as.faults }, /pass now to createFaults/],
  ];
  it.each(cases)('%s', (_name, options, message) => {
    expect(() => mockPartnerApi(options as never)).toThrow(ConfigError);
    expect(() => mockPartnerApi(options as never)).toThrow(message);
  });

  it('setApiKeys and rotateDpopNonce need their guard', () => {
    expect(() => bearerApi.setApiKeys('k')).toThrow(/setApiKeys needs guards\.apiKey/);
    const open = mockPartnerApi({ baseUrl: API });
    expect(() => open.rotateDpopNonce()).toThrow(/rotateDpopNonce needs guards\.bearer/);
  });
});
