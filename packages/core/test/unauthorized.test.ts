import {
  type Authenticator,
  bearerAuth,
  createClient,
  createFetch,
  InsufficientScopeError,
  type RequestDraft,
  UnauthorizedError,
} from '@attache/core';
import { type IssuedToken, mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

/**
 * The partner: an authorization server that has issued two access tokens, and an API behind a bearer guard
 * that accepts only its live tokens. `GET /admin` needs the `orders:admin` scope, which neither token has;
 * every other path answers with the `jti` of the token it accepted.
 */
async function partner() {
  const authorizationServer = mockAuthorizationServer({
    issuer: 'https://auth.partner.test',
    clients: [{ clientId: 'robot', clientSecret: 'not-used-here' }],
  });
  const api = mockPartnerApi({
    baseUrl: BASE,
    guards: { bearer: { authorizationServer } },
    routes: {
      'GET /admin': { scopes: ['orders:admin'], respond: () => ({ ok: true }) },
      '* /*': ({ principal }) => ({ jti: principal.token?.jti }),
    },
  });
  server.use(...api.handlers);
  const issued = [await authorizationServer.issueToken(), await authorizationServer.issueToken()];
  const tokens = issued.map((token) => token.accessToken) as [string, string];
  return { authorizationServer, api, issued: issued as [IssuedToken, IssuedToken], tokens };
}

/** What the API made of each request: accepted, or refused and why. */
const outcomes = (api: Awaited<ReturnType<typeof partner>>['api']) =>
  api.requests.map((r) => [r.outcome, r.reason]);

/** A rotating credential: sends `tokens[0]`, and each refresh moves to the next token; counts refreshes. */
function rotatingAuth(tokens: readonly string[]): { authenticator: Authenticator; refreshes: () => number } {
  let version = 0;
  let refreshes = 0;
  let inflight: Promise<void> | undefined;
  return {
    refreshes: () => refreshes,
    authenticator: {
      name: 'rotating',
      sensitiveHeaders: ['authorization'],
      attach(draft) {
        draft.headers.set('authorization', `Bearer ${tokens[version]}`);
      },
      async challenge(_response, request) {
        const rejected = request.headers.get('authorization');
        if (rejected === `Bearer ${tokens[version]}`) {
          // Single flight: concurrent 401s on the same token share one refresh.
          inflight ??= Promise.resolve().then(() => {
            refreshes++;
            version++;
            inflight = undefined;
          });
          await inflight;
        }
        return 'replay' as const;
      },
    },
  };
}

describe('401: one refresh and one replay', () => {
  it('replays exactly once with the refreshed credential', async () => {
    const { authorizationServer, api, issued, tokens } = await partner();
    authorizationServer.revoke(tokens[0]);
    const { authenticator, refreshes } = rotatingAuth(tokens);
    const response = await createFetch({ baseUrl: BASE, auth: authenticator })('me');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ jti: issued[1].jti });
    // The first token, refused as revoked; then the second one.
    expect(outcomes(api)).toEqual([
      ['rejected', expect.stringContaining('revoked')],
      ['accepted', undefined],
    ]);
    expect(refreshes()).toBe(1);
  });

  it('a second 401 is final: createFetch returns it, createClient throws UnauthorizedError', async () => {
    const { authorizationServer, api, tokens } = await partner();
    authorizationServer.revoke();
    const fetch = createFetch({ baseUrl: BASE, auth: rotatingAuth(tokens).authenticator });
    const fetchResponse = await fetch('me');
    expect(fetchResponse.status).toBe(401);
    expect(fetchResponse.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(api.calls).toEqual({ total: 2, accepted: 0, rejected: 2, faulted: 0 });

    const client = createClient({ baseUrl: BASE, auth: rotatingAuth(tokens).authenticator });
    const error = await client.get('me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).status).toBe(401);
    expect((error as UnauthorizedError).request?.headers.authorization).toBe('[redacted]');
    expect(api.calls).toEqual({ total: 4, accepted: 0, rejected: 4, faulted: 0 });
  });

  it('20 concurrent calls that all hit 401 cause exactly 1 refresh', async () => {
    const { authorizationServer, api, tokens } = await partner();
    authorizationServer.revoke(tokens[0]);
    const { authenticator, refreshes } = rotatingAuth(tokens);
    const fetch = createFetch({ baseUrl: BASE, auth: authenticator });
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch('me')));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(api.calls).toEqual({ total: 40, accepted: 20, rejected: 20, faulted: 0 });
    expect(refreshes()).toBe(1);
  });

  it('retryOnUnauthorized: false surfaces the first 401', async () => {
    const { authorizationServer, api, tokens } = await partner();
    authorizationServer.revoke(tokens[0]);
    const { authenticator, refreshes } = rotatingAuth(tokens);
    const client = createClient({ baseUrl: BASE, auth: authenticator });
    await expect(
      client.post('transfer', { json: { amount: 5 }, retryOnUnauthorized: false }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 1, faulted: 0 });
    expect(refreshes()).toBe(0);
  });

  it('insufficient_scope is not replayed and becomes InsufficientScopeError naming the scope', async () => {
    const { api, tokens } = await partner();
    const client = createClient({ baseUrl: BASE, auth: rotatingAuth(tokens).authenticator });
    const error = await client.get('admin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).status).toBe(403);
    expect((error as InsufficientScopeError).scope).toBe('orders:admin');
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 1, faulted: 0 });
  });

  it('a 401 with insufficient_scope is not replayed either', async () => {
    const { api, tokens } = await partner();
    // RFC 6750 says 403; some partners answer 401.
    api.faults.failNext(1, 401, {
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="a b"' },
    });
    const { authenticator, refreshes } = rotatingAuth(tokens);
    const response = await createFetch({ baseUrl: BASE, auth: authenticator })('admin');
    expect(response.status).toBe(401);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 0, faulted: 1 });
    expect(refreshes()).toBe(0);
  });

  it('a stream body is sent once and a 401 on it fails with an error that says why', async () => {
    // A hand-built partner: it reads the body of the request it refuses, which a guard never does.
    let calls = 0;
    server.use(
      http.put(`${BASE}/upload`, async ({ request }) => {
        calls++;
        expect(await request.text()).toBe('chunk');
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const client = createClient({ baseUrl: BASE, auth: rotatingAuth(['t1', 't2']).authenticator });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'));
        controller.close();
      },
    });
    const error = await client.put('upload', { body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(/ReadableStream.*cannot be sent twice/);
    expect(calls).toBe(1);
  });

  it('a stream body is not retried on 503', async () => {
    const { api } = await partner();
    api.faults.failNext(1, 503);
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2, 3]));
        controller.close();
      },
    });
    const response = await fetch('upload', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(503);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 0, faulted: 1 });
  });

  it('bearerAuth with a provider replays only when the provider returns a new token', async () => {
    const { authorizationServer, api, tokens } = await partner();
    const [old, fresh] = tokens;
    authorizationServer.revoke(old);
    const reads = [old, old, fresh];
    let read = 0;
    const auth = bearerAuth({ token: () => reads[Math.min(read++, reads.length - 1)] ?? 'x' });
    const fetch = createFetch({ baseUrl: BASE, auth });
    // Read 1 sends the old token; the 401 re-reads (2) → still the old one → no replay.
    expect((await fetch('me')).status).toBe(401);
    expect(outcomes(api)).toEqual([['rejected', expect.stringContaining('revoked')]]);
    // Read 3 sends the new one.
    expect((await fetch('me')).status).toBe(200);
    expect(api.calls).toEqual({ total: 2, accepted: 1, rejected: 1, faulted: 0 });
  });

  it('bearerAuth followed by a signer still compares the token it sent', async () => {
    const { authorizationServer, api, tokens } = await partner();
    authorizationServer.revoke(tokens[0]);
    const signer = {
      name: 'signer',
      signer: true,
      attach: (draft: RequestDraft) => draft.headers.set('sig', 'x'),
    };
    const fetch = createFetch({ baseUrl: BASE, auth: [bearerAuth({ token: () => tokens[0] }), signer] });
    expect((await fetch('me')).status).toBe(401);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 1, faulted: 0 });
  });

  it('a static bearer token is never replayed', async () => {
    const { authorizationServer, api, tokens } = await partner();
    authorizationServer.revoke(tokens[0]);
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: tokens[0] }) });
    expect((await fetch('me')).status).toBe(401);
    expect(api.calls).toEqual({ total: 1, accepted: 0, rejected: 1, faulted: 0 });
  });
});

describe('HttpError keeps the partner’s error body', () => {
  it('error.response can still be read after ky read it', async () => {
    const { api } = await partner();
    api.faults.failNext(1, 502, { body: { error: 'upstream_down', detail: 'try later' } });
    const client = createClient({ baseUrl: BASE, retry: false });
    const error = await client.get('broken').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpError', code: 'HTTP_ERROR', status: 502, isRetryable: true });
    expect(await (error as UnauthorizedError).response.json()).toEqual({
      error: 'upstream_down',
      detail: 'try later',
    });
    expect((error as UnauthorizedError).response.url).toBe('');
    expect(api.calls.total).toBe(1);
  });
});
