import { type AttacheEvent, createClient, createFetch, secret } from '@attache/core';
import { type MockAuthorizationServer, mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { clientCredentialsAuth } from '../src/index.ts';

const ISSUER = 'https://auth.partner.example';
const TOKEN_URL = `${ISSUER}/oauth2/token`;
const API = 'https://api.partner.example';
const server = useMswServer();
let clients = 0;

/**
 * The partner: an authorization server (RFC 8414 discovery and a token endpoint) that knows one new client
 * (client_secret_basic, secret `s3cret`), and an orders API that accepts only that server's live tokens.
 * Each order names the token that fetched it by its `jti`.
 */
function partner(accessTokenLifetime = 3600) {
  const clientId = `e2e-${++clients}`;
  const authorizationServer = mockAuthorizationServer({
    issuer: ISSUER,
    tokenEndpoint: TOKEN_URL,
    discovery: 'oauth',
    accessTokenLifetime,
    clients: [{ clientId, clientSecret: 's3cret', tokenEndpointAuthMethod: 'client_secret_basic' }],
  });
  const api = mockPartnerApi({
    baseUrl: API,
    guards: { bearer: { authorizationServer } },
    routes: { 'GET /orders/:id': ({ params, principal }) => ({ id: params.id, jti: principal.token?.jti }) },
  });
  server.use(...authorizationServer.handlers, ...api.handlers);
  return { authorizationServer, api, clientId };
}

/** The `jti` of the n-th token the server issued (from 1), as the orders name it. */
function jti(authorizationServer: MockAuthorizationServer, n: number): string | undefined {
  return authorizationServer.issued[n - 1]?.jti;
}

/** The `jti` each order was fetched with. */
function jtis(responses: readonly Response[]): Promise<unknown[]> {
  return Promise.all(responses.map(async (response) => ((await response.json()) as { jti: unknown }).jti));
}

function client(clientId: string, now?: () => number, onEvent?: (event: AttacheEvent) => void) {
  const auth = clientCredentialsAuth({
    issuer: ISSUER,
    clientId,
    clientSecret: secret('s3cret'),
    scope: 'orders:read',
    ...(now === undefined ? {} : { now }),
  });
  const fetch = createFetch({
    baseUrl: API,
    auth,
    ...(now === undefined ? {} : { now }),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
  return { auth, fetch };
}

describe('end to end: clientCredentialsAuth behind createFetch, partner API on msw', () => {
  it('200 concurrent calls cause exactly 1 token request', async () => {
    const { authorizationServer, api, clientId } = partner();
    const { fetch } = client(clientId);
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`orders/${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(authorizationServer.calls.token).toBe(1);
    expect(authorizationServer.calls.discovery).toBe(1);
    expect(api.calls).toEqual({ total: 200, accepted: 200, rejected: 0, faulted: 0 });
    expect(new Set(await jtis(responses))).toEqual(new Set([jti(authorizationServer, 1)]));
  });

  it('a token that expires in the middle of a run is refreshed exactly once', async () => {
    const { authorizationServer, api, clientId } = partner(100);
    let now = 1_700_000_000_000;
    const { fetch } = client(clientId, () => now);
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`orders/${i}`)));
    expect(first.every((r) => r.status === 200)).toBe(true);
    expect(authorizationServer.calls.token).toBe(1);

    // Past expiry: the old token is gone at the server too, and 50 concurrent calls need a new one.
    now += 101_000;
    authorizationServer.revoke();
    const second = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`orders/${i}`)));
    expect(second.every((r) => r.status === 200)).toBe(true);
    expect(authorizationServer.calls.token).toBe(2);
    expect(api.calls).toEqual({ total: 100, accepted: 100, rejected: 0, faulted: 0 });
    expect(await jtis(second)).toEqual(Array(50).fill(jti(authorizationServer, 2)));
  });

  it('a steady run across the refresh window refreshes exactly once, in the background', async () => {
    const { authorizationServer, clientId } = partner(100);
    let now = 1_700_000_000_000;
    const { fetch } = client(clientId, () => now);
    let last: Response[] = [];
    // 20 rounds of 10 concurrent calls, 6 s apart: 114 s in all, through the 75–85 s refresh window.
    for (let round = 0; round < 20; round++) {
      last = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(`orders/${i}`)));
      expect(last.every((r) => r.status === 200)).toBe(true);
      now += 6_000;
    }
    expect(authorizationServer.calls.token).toBe(2);
    expect((await jtis(last)).at(-1)).toBe(jti(authorizationServer, 2));
  });

  it('a 401 invalid_token causes one refresh and one replay', async () => {
    const { authorizationServer, api, clientId } = partner();
    const events: AttacheEvent[] = [];
    const { fetch } = client(clientId, undefined, (event) => events.push(event));
    expect((await fetch('orders/1')).status).toBe(200);
    // The partner revokes the token.
    authorizationServer.revoke();
    const response = await fetch('orders/2');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: '2', jti: jti(authorizationServer, 2) });
    expect(authorizationServer.calls.token).toBe(2);
    // The first token, accepted, then refused as revoked; then the second token.
    expect(api.requests.map((r) => [r.outcome, r.reason])).toEqual([
      ['accepted', undefined],
      ['rejected', expect.stringContaining('revoked')],
      ['accepted', undefined],
    ]);
    expect(events).toContainEqual({
      type: 'challenge:handled',
      authenticator: 'oauth-cc',
      status: 401,
      error: 'invalid_token',
      outcome: 'replay',
      callId: expect.stringMatching(/^call-/),
    });
  });

  it('20 concurrent 401s for one token cause one refresh, and a second 401 is final', async () => {
    const { authorizationServer, api, clientId } = partner();
    const { fetch } = client(clientId);
    await fetch('orders/0');
    authorizationServer.revoke();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`orders/${i}`)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(authorizationServer.calls.token).toBe(2);

    // The partner refuses the call and its replay: exactly one refresh and one replay, then the 401 comes back.
    api.faults.failNext(2, 401, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    expect((await fetch('orders/99')).status).toBe(401);
    expect(authorizationServer.calls.token).toBe(3);
    expect(api.calls.faulted).toBe(2);
  });

  it('works through createClient (ky) with typed errors', async () => {
    const { authorizationServer, clientId } = partner();
    const auth = clientCredentialsAuth({ tokenEndpoint: TOKEN_URL, clientId, clientSecret: 's3cret' });
    const api = createClient({ baseUrl: API, auth });
    expect(await api.get('orders/7').json()).toEqual({ id: '7', jti: jti(authorizationServer, 1) });
    expect(authorizationServer.calls.discovery).toBe(0);
  });

  it('a wrong secret surfaces as TokenAcquisitionError from the call, without a partner request', async () => {
    const { api, clientId } = partner();
    const auth = clientCredentialsAuth({ tokenEndpoint: TOKEN_URL, clientId, clientSecret: 'wrong' });
    const fetch = createFetch({ baseUrl: API, auth });
    await expect(fetch('orders/1')).rejects.toMatchObject({
      name: 'TokenAcquisitionError',
      error: 'invalid_client',
      status: 401,
    });
    expect(api.calls.total).toBe(0);
  });
});
