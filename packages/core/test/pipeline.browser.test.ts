import {
  bearerAuth,
  createClient,
  createFetch,
  OriginNotAllowedError,
  UnauthorizedError,
} from '@attache/core';
import { mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { describe, expect, it } from 'vitest';
import { useMswWorker } from '../../../test/support/msw-worker.ts';

// Runs in a real Chromium (vitest browser mode); msw answers through its service worker.
const BASE = 'https://api.partner.test';
const worker = useMswWorker();

/**
 * The partner: an authorization server, and an API behind a bearer guard that accepts only that server's
 * live tokens. The first `GET /orders` answers 503.
 */
function partner() {
  const authorizationServer = mockAuthorizationServer({
    issuer: 'https://auth.partner.test',
    clients: [{ clientId: 'browser-app', clientSecret: 'not-used-here' }],
  });
  let orders = 0;
  const api = mockPartnerApi({
    baseUrl: BASE,
    guards: { bearer: { authorizationServer } },
    routes: {
      'GET /orders': () => (++orders === 1 ? new Response(null, { status: 503 }) : { ok: true }),
      'GET /me': () => ({ ok: true }),
    },
  });
  worker.use(...api.handlers);
  return { authorizationServer, api };
}

describe('the pipeline in a real browser', () => {
  it('runs in a browser context', () => {
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('attaches credentials and retries a 503', async () => {
    const { authorizationServer, api } = partner();
    const { accessToken } = await authorizationServer.issueToken();
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: accessToken }),
      random: () => 0,
    });
    const response = await fetch('orders');
    expect(response.status).toBe(200);
    // Both attempts carried the token: the guard let both through, to the 503 and then the answer.
    expect(api.requests.map((r) => [r.outcome, r.status])).toEqual([
      ['accepted', 503],
      ['accepted', 200],
    ]);
  });

  it('refuses a non-allowed origin before sending', async () => {
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 't' }) });
    await expect(fetch('https://elsewhere.test/')).rejects.toBeInstanceOf(OriginNotAllowedError);
  });

  it('createClient throws UnauthorizedError after one replay', async () => {
    const { authorizationServer, api } = partner();
    // Every read of the provider gets a new token, and every one has already expired.
    const expired = async () => (await authorizationServer.issueToken({ expiresIn: 0 })).accessToken;
    const client = createClient({ baseUrl: BASE, auth: bearerAuth({ token: expired }) });
    await expect(client.get('me')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(api.calls).toEqual({ total: 2, accepted: 0, rejected: 2, faulted: 0 });
  });
});
