import { type AttacheEvent, createClient, createFetch, secret } from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { clientCredentialsAuth } from '../src/index.ts';

const ISSUER = 'https://auth.partner.example';
const TOKEN_URL = `${ISSUER}/oauth2/token`;
const API = 'https://api.partner.example';
const server = useMswServer();
let clients = 0;

/**
 * A mock authorization server (discovery + token endpoint issuing `token-1`, `token-2`, …) and a partner API
 * that accepts only the tokens listed in `valid`.
 */
function partner(lifetimeSeconds = 3600) {
  const state = {
    tokenRequests: 0,
    discoveryRequests: 0,
    apiRequests: [] as string[],
    valid: new Set<string>(),
  };
  server.use(
    http.get(`${ISSUER}/.well-known/oauth-authorization-server`, () => {
      state.discoveryRequests++;
      return HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL });
    }),
    http.post(TOKEN_URL, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      if (
        request.headers.get('authorization') !==
        `Basic ${btoa(`${form.get('client_id') ?? clientIdOf(request)}:s3cret`)}`
      ) {
        return HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
      }
      const token = `token-${++state.tokenRequests}`;
      state.valid.add(token);
      return HttpResponse.json({ access_token: token, token_type: 'Bearer', expires_in: lifetimeSeconds });
    }),
    http.get(`${API}/orders/:id`, ({ request, params }) => {
      const header = request.headers.get('authorization') ?? '';
      state.apiRequests.push(header);
      const token = header.replace(/^Bearer /, '');
      if (!header.startsWith('Bearer ') || !state.valid.has(token)) {
        return new HttpResponse(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="partner", error="invalid_token"' },
        });
      }
      return HttpResponse.json({ id: params.id, token });
    }),
  );
  return state;
}

function clientIdOf(request: Request): string {
  const basic = atob((request.headers.get('authorization') ?? '').replace(/^Basic /, ''));
  return basic.slice(0, basic.indexOf(':'));
}

function client(now?: () => number, onEvent?: (event: AttacheEvent) => void) {
  const auth = clientCredentialsAuth({
    issuer: ISSUER,
    clientId: `e2e-${++clients}`,
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
    const state = partner();
    const { fetch } = client();
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`orders/${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(state.tokenRequests).toBe(1);
    expect(state.discoveryRequests).toBe(1);
    expect(new Set(state.apiRequests)).toEqual(new Set(['Bearer token-1']));
  });

  it('a token that expires in the middle of a run is refreshed exactly once', async () => {
    const state = partner(100);
    let now = 1_700_000_000_000;
    const { fetch } = client(() => now);
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`orders/${i}`)));
    expect(first.every((r) => r.status === 200)).toBe(true);
    expect(state.tokenRequests).toBe(1);

    // Past expiry: the old token is gone at the server too, and 50 concurrent calls need a new one.
    now += 101_000;
    state.valid.delete('token-1');
    const second = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`orders/${i}`)));
    expect(second.every((r) => r.status === 200)).toBe(true);
    expect(state.tokenRequests).toBe(2);
    expect(state.apiRequests.slice(50)).toEqual(Array(50).fill('Bearer token-2'));
  });

  it('a steady run across the refresh window refreshes exactly once, in the background', async () => {
    const state = partner(100);
    let now = 1_700_000_000_000;
    const { fetch } = client(() => now);
    // 20 rounds of 10 concurrent calls, 6 s apart: 114 s in all, through the 75–85 s refresh window.
    for (let round = 0; round < 20; round++) {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(`orders/${i}`)));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      now += 6_000;
    }
    expect(state.tokenRequests).toBe(2);
    expect(state.apiRequests.at(-1)).toBe('Bearer token-2');
  });

  it('a 401 invalid_token causes one refresh and one replay', async () => {
    const state = partner();
    const events: AttacheEvent[] = [];
    const { fetch } = client(undefined, (event) => events.push(event));
    expect((await fetch('orders/1')).status).toBe(200);
    // The partner revokes the token.
    state.valid.clear();
    const response = await fetch('orders/2');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: '2', token: 'token-2' });
    expect(state.tokenRequests).toBe(2);
    expect(state.apiRequests).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
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
    const state = partner();
    const { fetch } = client();
    await fetch('orders/0');
    state.valid.clear();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`orders/${i}`)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(state.tokenRequests).toBe(2);

    // Every new token is refused: exactly one refresh and one replay, then the 401 comes back.
    server.use(
      http.get(
        `${API}/orders/:id`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          }),
      ),
    );
    expect((await fetch('orders/99')).status).toBe(401);
    expect(state.tokenRequests).toBe(3);
  });

  it('works through createClient (ky) with typed errors', async () => {
    const state = partner();
    const auth = clientCredentialsAuth({
      tokenEndpoint: TOKEN_URL,
      clientId: `e2e-${++clients}`,
      clientSecret: 's3cret',
    });
    const api = createClient({ baseUrl: API, auth });
    expect(await api.get('orders/7').json()).toEqual({ id: '7', token: 'token-1' });
    expect(state.discoveryRequests).toBe(0);
  });

  it('a wrong secret surfaces as TokenAcquisitionError from the call, without a partner request', async () => {
    const state = partner();
    const auth = clientCredentialsAuth({
      tokenEndpoint: TOKEN_URL,
      clientId: `e2e-${++clients}`,
      clientSecret: 'wrong',
    });
    const fetch = createFetch({ baseUrl: API, auth });
    await expect(fetch('orders/1')).rejects.toMatchObject({
      name: 'TokenAcquisitionError',
      error: 'invalid_client',
      status: 401,
    });
    expect(state.apiRequests).toEqual([]);
  });
});
