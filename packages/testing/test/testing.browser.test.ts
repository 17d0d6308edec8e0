import { createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { parseWwwAuthenticate } from '@attache/core/internal';
import { hmacAuth } from '@attache/hmac';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { useMswWorker } from '../../../test/support/msw-worker.ts';
import { mockAuthorizationServer, mockPartnerApi } from '../src/index.ts';
import { basicAuthorization, dpopKey, dpopProof, requestToken } from './support/oauth.ts';
import { clientSecretBasic } from './support/token-source.ts';

// Runs in a real Chromium (vitest browser mode): the mocks answer through msw's service worker.
const ISSUER = 'https://auth.partner.test';
const API = 'https://api.partner.test';
const HMAC_KEY = 'browser-hmac-secret-0123456789abcdef';

const as = mockAuthorizationServer({
  issuer: ISSUER,
  clients: [{ clientId: 'robot', clientSecret: 'p@ss:w+rd%', scopes: ['orders:read'] }],
  audience: API,
});
const api = mockPartnerApi({
  baseUrl: API,
  guards: { bearer: { authorizationServer: as, audience: API, scopes: ['orders:read'] } },
});
const signed = mockPartnerApi({
  baseUrl: 'https://signed.partner.test',
  guards: { hmac: { keys: { 'client-42': HMAC_KEY } } },
});

useMswWorker(...as.handlers, ...api.handlers, ...signed.handlers);
afterEach(() => {
  as.reset();
  api.reset();
  signed.reset();
});

describe('@attache/testing in a real browser', () => {
  it('runs in a browser context', () => {
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('issues a JWT for client_secret_basic that verifies against the served JWKS', async () => {
    const response = await requestToken(as.tokenEndpoint, {
      headers: { authorization: basicAuthorization('robot', 'p@ss:w+rd%') },
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    const { payload } = await jwtVerify(access_token, createRemoteJWKSet(new URL(as.jwksUri)), {
      issuer: ISSUER,
      audience: API,
    });
    expect(payload).toMatchObject({ client_id: 'robot', scope: 'orders:read' });
    expect(as.calls).toMatchObject({ token: 1, jwks: 1 });
  });

  it('refuses a secret that was not form-urlencoded, with the Basic challenge readable', async () => {
    const response = await requestToken(as.tokenEndpoint, {
      headers: { authorization: basicAuthorization('robot', 'p@ss:w+rd%', false) },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('tokens through createFetch and tokenAuth: one fetch for concurrent calls, a refresh after revocation', async () => {
    const source = createTokenSource(clientSecretBasic(as.tokenEndpoint, 'robot', 'p@ss:w+rd%'));
    const partner = createFetch({ baseUrl: API, auth: tokenAuth({ source }) });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => partner('orders').then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    expect(as.calls.token).toBe(1);
    as.revoke();
    expect((await partner('orders')).status).toBe(200);
    expect(as.calls.token).toBe(2);
    expect(api.requests.map((r) => r.outcome)).toEqual([
      ...Array(10).fill('accepted'),
      'rejected',
      'accepted',
    ]);
  });

  it('binds a token to a DPoP key and checks the proof at the API', async () => {
    const key = await dpopKey();
    const tokenResponse = await requestToken(as.tokenEndpoint, {
      headers: {
        authorization: basicAuthorization('robot', 'p@ss:w+rd%'),
        dpop: await dpopProof(key, { htm: 'POST', htu: as.tokenEndpoint }),
      },
    });
    const { access_token, token_type } = (await tokenResponse.json()) as {
      access_token: string;
      token_type: string;
    };
    expect(token_type).toBe('DPoP');
    const url = `${API}/orders`;
    const ok = await fetch(url, {
      headers: {
        authorization: `DPoP ${access_token}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: url, accessToken: access_token }),
      },
    });
    expect(ok.status).toBe(200);
    const asBearer = await fetch(url, { headers: { authorization: `Bearer ${access_token}` } });
    expect(parseWwwAuthenticate(asBearer.headers.get('www-authenticate'))[0]).toMatchObject({
      scheme: 'dpop',
      params: { error: 'invalid_token' },
    });
  });

  it('faults: 503s retried by the pipeline, a network error rejects fetch, a skewed Date is readable', async () => {
    api.faults.failNext(2, 503);
    const token = await as.issueToken({ scope: 'orders:read', audience: API });
    const partner = createFetch({ baseUrl: API, random: () => 0 });
    const response = await partner('orders', { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(response.status).toBe(200);
    expect(api.faults.calls.failed).toBe(2);
    api.faults.networkErrorNext(1);
    await expect(fetch(`${API}/orders`)).rejects.toThrow(TypeError);
    api.faults.skewDate(-3_600_000);
    const skewed = await fetch(`${API}/orders`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(Date.now() - Date.parse(skewed.headers.get('date') ?? '')).toBeGreaterThan(3_590_000);
  });

  it('HMAC signatures from hmacAuth pass the real verifier', async () => {
    const partner = createFetch({
      baseUrl: 'https://signed.partner.test',
      auth: hmacAuth({ keyId: 'client-42', key: secret(HMAC_KEY) }),
    });
    const response = await partner('payments', {
      method: 'POST',
      body: '{"amount":5}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(signed.requests[0]).toMatchObject({ outcome: 'accepted', keyId: 'client-42' });
  });
});
