// The mocks driven by @attache/core's real pipeline: token source, 401 replay, retries, clock learning.
import {
  type Authenticator,
  createClient,
  createFetch,
  createTokenSource,
  InsufficientScopeError,
  secret,
  tokenAuth,
} from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createFaults,
  type MockAuthorizationServer,
  mockAuthorizationServer,
  mockPartnerApi,
} from '../src/index.ts';
import { useMswServer } from './support/msw.ts';
import { basicAuthorization, type DpopKey, dpopKey, dpopProof, requestToken } from './support/oauth.ts';
import { clientSecretBasic } from './support/token-source.ts';

const ISSUER = 'https://auth.partner.test';
const API = 'https://api.partner.test';
const HMAC_KEY = 'pipeline-hmac-secret-0123456789abcdef';

const as = mockAuthorizationServer({
  issuer: ISSUER,
  clients: [{ clientId: 'robot', clientSecret: 'robot-secret', scopes: ['orders:read'] }],
  audience: API,
  dpop: { nonce: true },
});
const api = mockPartnerApi({
  baseUrl: API,
  guards: { bearer: { authorizationServer: as, audience: API, scopes: ['orders:read'] } },
  routes: {
    'GET /orders': ({ principal }) => ({
      orders: [],
      client: (principal.token as { client_id: string }).client_id,
    }),
    'POST /orders': { scopes: ['orders:write'], respond: () => ({ id: 'o-1' }) },
  },
});
const server = useMswServer(...as.handlers, ...api.handlers);
afterEach(() => {
  as.reset();
  api.reset();
  vi.useRealTimers();
});

function robotSource() {
  return createTokenSource(clientSecretBasic(as.tokenEndpoint, 'robot', 'robot-secret'));
}

describe('bearer tokens through createFetch and tokenAuth', () => {
  it('fifty concurrent calls on a cold start fetch one token', async () => {
    const partner = createFetch({ baseUrl: API, auth: tokenAuth({ source: robotSource() }) });
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => partner('orders').then((r) => r.status)),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(as.calls.token).toBe(1);
    expect(api.calls).toMatchObject({ total: 50, accepted: 50 });
  });

  it('a revoked token gets invalid_token, one refresh and one replay per call', async () => {
    const partner = createFetch({ baseUrl: API, auth: tokenAuth({ source: robotSource() }) });
    expect((await partner('orders')).status).toBe(200);
    as.revoke();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => partner('orders').then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    expect(as.calls.token).toBe(2);
    expect(api.calls).toMatchObject({ total: 21, accepted: 11, rejected: 10 });
    expect(
      api.requests
        .filter((r) => r.outcome === 'rejected')
        .every((r) => r.reason?.startsWith('invalid_token')),
    ).toBe(true);
  });

  it('insufficient_scope is not replayed: createClient throws InsufficientScopeError naming the scope', async () => {
    const client = createClient({ baseUrl: API, auth: tokenAuth({ source: robotSource() }) });
    const error = await client.post('orders').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).scope).toBe('orders:read orders:write');
    expect(api.calls.total).toBe(1);
    expect(as.calls.token).toBe(1);
  });

  it('refresh_in starts a background refresh at the server’s hint', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    as.setLifetime(3600, 60);
    const partner = createFetch({ baseUrl: API, auth: tokenAuth({ source: robotSource() }) });
    expect((await partner('orders')).status).toBe(200);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await partner('orders')).status).toBe(200);
    await vi.waitFor(() => expect(as.issued).toHaveLength(2));
    expect(as.calls.token).toBe(2);
    expect(as.issued.map((token) => token.expiresAt - token.issuedAt)).toEqual([3_600_000, 3_600_000]);
  });

  it('token endpoint faults surface as TokenAcquisitionError with the status', async () => {
    as.faults.failNext(1, 503, { match: as.tokenEndpoint });
    const partner = createFetch({ baseUrl: API, auth: tokenAuth({ source: robotSource() }) });
    await expect(partner('orders')).rejects.toMatchObject({ code: 'TOKEN_ACQUISITION', status: 503 });
    expect(api.calls.total).toBe(0);
  });

  it('API faults are retried by the pipeline', async () => {
    api.faults.failNext(2, 503);
    const partner = createFetch({
      baseUrl: API,
      auth: tokenAuth({ source: robotSource() }),
      random: () => 0,
    });
    expect((await partner('orders')).status).toBe(200);
    expect(api.requests.map((r) => r.outcome)).toEqual(['faulted', 'faulted', 'accepted']);
  });
});

/** A minimal DPoP authenticator written for this test: token request and resource proofs, nonces on both. */
function dpopAuth(server: MockAuthorizationServer, key: DpopKey): Authenticator {
  let token: string | undefined;
  let resourceNonce: string | undefined;
  async function fetchToken(): Promise<string> {
    let nonce: string | undefined;
    for (;;) {
      const proof = await dpopProof(key, {
        htm: 'POST',
        htu: server.tokenEndpoint,
        ...(nonce ? { nonce } : {}),
      });
      const response = await requestToken(server.tokenEndpoint, {
        headers: { authorization: basicAuthorization('robot', 'robot-secret'), dpop: proof },
      });
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (body.error === 'use_dpop_nonce' && nonce === undefined) {
        nonce = response.headers.get('dpop-nonce') ?? undefined;
        continue;
      }
      return String(body.access_token);
    }
  }
  return {
    name: 'dpop-test',
    async attach(draft) {
      token ??= await fetchToken();
      const proof = await dpopProof(key, {
        htm: draft.method,
        htu: draft.url.href,
        accessToken: token,
        ...(resourceNonce ? { nonce: resourceNonce } : {}),
      });
      draft.headers.set('authorization', `DPoP ${token}`);
      draft.headers.set('dpop', proof);
    },
    challenge(response, _sent, context) {
      if (context.challenges.some((c) => c.scheme === 'dpop' && c.params.error === 'use_dpop_nonce')) {
        resourceNonce = response.headers.get('dpop-nonce') ?? undefined;
      } else {
        token = undefined;
      }
      return 'replay';
    },
  };
}

describe('DPoP with nonces at both ends through the pipeline', () => {
  it('one nonce round trip at the token endpoint, one 401 replay at the API', async () => {
    const dpopApi = mockPartnerApi({
      baseUrl: 'https://dpop-api.partner.test',
      guards: { bearer: { authorizationServer: as, dpop: { required: true, nonce: true } } },
    });
    server.use(...dpopApi.handlers);
    const partner = createFetch({
      baseUrl: 'https://dpop-api.partner.test',
      auth: dpopAuth(as, await dpopKey()),
    });
    expect((await partner('things')).status).toBe(200);
    expect(as.calls.token).toBe(2);
    expect(as.rejected.map((r) => r.error)).toEqual(['use_dpop_nonce']);
    expect(as.issued[0]!.tokenType).toBe('DPoP');
    expect(dpopApi.requests.map((r) => [r.outcome, r.reason])).toEqual([
      ['rejected', 'use_dpop_nonce: DPoP proof must carry the server nonce'],
      ['accepted', undefined],
    ]);
  });
});

describe('HMAC signatures and a partner with a skewed clock', () => {
  it('the first request is refused as expired, the Date header teaches the offset, the replay passes', async () => {
    const faults = createFaults();
    const signed = mockPartnerApi({
      baseUrl: 'https://signed.partner.test',
      guards: { hmac: { keys: { 'client-42': HMAC_KEY } } },
      faults,
    });
    server.use(...signed.handlers);
    faults.skewDate(10 * 60_000);
    const partner = createFetch({
      baseUrl: 'https://signed.partner.test',
      auth: hmacAuth({ keyId: 'client-42', key: secret(HMAC_KEY) }),
    });
    const response = await partner('payments', {
      method: 'POST',
      body: '{"amount":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(signed.requests.map((r) => [r.outcome, r.reason])).toEqual([
      ['rejected', 'expired'],
      ['accepted', undefined],
    ]);
  });
});

/**
 * The API key in the query, as `@attache/api-key` sends it with `in: 'query'` (that package is not a
 * dependency here).
 */
function apiKeyQuery(key: string): Authenticator {
  return {
    name: 'api-key',
    sensitiveQuery: ['api_key'],
    attach(draft) {
      draft.url.searchParams.set('api_key', key);
    },
  };
}

describe('a hybrid partner: API key, OAuth token and HMAC signature on one request', () => {
  it('every guard passes and the route sees who called', async () => {
    const hybrid = mockPartnerApi({
      baseUrl: 'https://hybrid.partner.test',
      guards: {
        apiKey: { in: 'query', keys: 'pk_test_hybrid' },
        bearer: { authorizationServer: as, scopes: ['orders:read'] },
        hmac: {
          keys: { 'client-42': HMAC_KEY },
          requiredComponents: ['@method', '@target-uri', 'authorization'],
        },
      },
      routes: {
        'GET /orders': ({ principal }) => ({
          key: principal.apiKey,
          client: (principal.token as { client_id: string }).client_id,
          signedBy: principal.signature?.keyId,
          covers: principal.signature?.components,
        }),
      },
    });
    server.use(...hybrid.handlers);
    const partner = createFetch({
      baseUrl: 'https://hybrid.partner.test',
      auth: [
        hmacAuth({ keyId: 'client-42', key: secret(HMAC_KEY) }),
        apiKeyQuery('pk_test_hybrid'),
        tokenAuth({ source: robotSource() }),
      ],
    });
    const response = await partner('orders');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      key: 'pk_test_hybrid',
      client: 'robot',
      signedBy: 'client-42',
      covers: expect.arrayContaining(['"@target-uri"', '"authorization"']),
    });
    hybrid.setApiKeys('pk_test_rotated');
    expect((await partner('orders')).status).toBe(401);
    expect(hybrid.requests.at(-1)).toMatchObject({ rejectedBy: 'apiKey', reason: 'unknown API key' });
  });
});
