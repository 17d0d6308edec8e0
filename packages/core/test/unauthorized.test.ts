import {
  type Authenticator,
  bearerAuth,
  createClient,
  createFetch,
  InsufficientScopeError,
  type RequestDraft,
  UnauthorizedError,
} from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

/** A rotating credential: each refresh issues the next token; counts refreshes. */
function rotatingAuth(): { authenticator: Authenticator; refreshes: () => number } {
  let version = 1;
  let refreshes = 0;
  let inflight: Promise<void> | undefined;
  return {
    refreshes: () => refreshes,
    authenticator: {
      name: 'rotating',
      sensitiveHeaders: ['authorization'],
      attach(draft) {
        draft.headers.set('authorization', `Bearer t${version}`);
      },
      async challenge(_response, request) {
        const rejected = request.headers.get('authorization');
        if (rejected === `Bearer t${version}`) {
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
    const seen: string[] = [];
    server.use(
      http.get(`${BASE}/me`, ({ request }) => {
        const auth = request.headers.get('authorization') ?? '';
        seen.push(auth);
        return auth === 'Bearer t2'
          ? HttpResponse.json({ ok: true })
          : new HttpResponse(null, { status: 401 });
      }),
    );
    const { authenticator, refreshes } = rotatingAuth();
    const response = await createFetch({ baseUrl: BASE, auth: authenticator })('me');
    expect(response.status).toBe(200);
    expect(seen).toEqual(['Bearer t1', 'Bearer t2']);
    expect(refreshes()).toBe(1);
  });

  it('a second 401 is final: createFetch returns it, createClient throws UnauthorizedError', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/me`, () => {
        calls++;
        return new HttpResponse(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      }),
    );
    const fetchResponse = await createFetch({ baseUrl: BASE, auth: rotatingAuth().authenticator })('me');
    expect(fetchResponse.status).toBe(401);
    expect(calls).toBe(2);

    calls = 0;
    const client = createClient({ baseUrl: BASE, auth: rotatingAuth().authenticator });
    const error = await client.get('me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).status).toBe(401);
    expect((error as UnauthorizedError).request?.headers.authorization).toBe('[redacted]');
    expect(calls).toBe(2);
  });

  it('20 concurrent calls that all hit 401 cause exactly 1 refresh', async () => {
    let rejected = 0;
    server.use(
      http.get(`${BASE}/me`, ({ request }) => {
        if (request.headers.get('authorization') === 'Bearer t2') return HttpResponse.json({ ok: true });
        rejected++;
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const { authenticator, refreshes } = rotatingAuth();
    const fetch = createFetch({ baseUrl: BASE, auth: authenticator });
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch('me')));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(rejected).toBe(20);
    expect(refreshes()).toBe(1);
  });

  it('retryOnUnauthorized: false surfaces the first 401', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/transfer`, () => {
        calls++;
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const { authenticator, refreshes } = rotatingAuth();
    const client = createClient({ baseUrl: BASE, auth: authenticator });
    await expect(
      client.post('transfer', { json: { amount: 5 }, retryOnUnauthorized: false }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(calls).toBe(1);
    expect(refreshes()).toBe(0);
  });

  it('insufficient_scope is not replayed and becomes InsufficientScopeError naming the scope', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/admin`, () => {
        calls++;
        return new HttpResponse(null, {
          status: 403,
          headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="orders:admin"' },
        });
      }),
    );
    const client = createClient({ baseUrl: BASE, auth: rotatingAuth().authenticator });
    const error = await client.get('admin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).scope).toBe('orders:admin');
    expect(calls).toBe(1);
  });

  it('a 401 with insufficient_scope is not replayed either', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/admin`, () => {
        calls++;
        return new HttpResponse(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="a b"' },
        });
      }),
    );
    const { authenticator, refreshes } = rotatingAuth();
    const response = await createFetch({ baseUrl: BASE, auth: authenticator })('admin');
    expect(response.status).toBe(401);
    expect(calls).toBe(1);
    expect(refreshes()).toBe(0);
  });

  it('a stream body is sent once and a 401 on it fails with an error that says why', async () => {
    let calls = 0;
    server.use(
      http.put(`${BASE}/upload`, async ({ request }) => {
        calls++;
        expect(await request.text()).toBe('chunk');
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const client = createClient({ baseUrl: BASE, auth: rotatingAuth().authenticator });
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
    let calls = 0;
    server.use(
      http.put(`${BASE}/upload`, () => {
        calls++;
        return new HttpResponse(null, { status: 503 });
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, random: () => 0 });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2, 3]));
        controller.close();
      },
    });
    const response = await fetch('upload', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(503);
    expect(calls).toBe(1);
  });

  it('bearerAuth with a provider replays only when the provider returns a new token', async () => {
    const tokens = ['old', 'old', 'new'];
    let reads = 0;
    const seen: string[] = [];
    server.use(
      http.get(`${BASE}/me`, ({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        return request.headers.get('authorization') === 'Bearer new'
          ? HttpResponse.json({})
          : new HttpResponse(null, { status: 401 });
      }),
    );
    const auth = bearerAuth({ token: () => tokens[Math.min(reads++, tokens.length - 1)] ?? 'x' });
    const fetch = createFetch({ baseUrl: BASE, auth });
    // Read 1 sends "old"; the 401 re-reads (2) → still "old" → no replay.
    expect((await fetch('me')).status).toBe(401);
    expect(seen).toEqual(['Bearer old']);
    // Read 3 sends "new".
    expect((await fetch('me')).status).toBe(200);
  });

  it('bearerAuth followed by a signer still compares the token it sent', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/me`, () => {
        calls++;
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const signer = {
      name: 'signer',
      signer: true,
      attach: (draft: RequestDraft) => draft.headers.set('sig', 'x'),
    };
    const fetch = createFetch({ baseUrl: BASE, auth: [bearerAuth({ token: () => 'unchanged' }), signer] });
    expect((await fetch('me')).status).toBe(401);
    expect(calls).toBe(1);
  });

  it('a static bearer token is never replayed', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/me`, () => {
        calls++;
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 'static' }) });
    expect((await fetch('me')).status).toBe(401);
    expect(calls).toBe(1);
  });
});

describe('HttpError keeps the partner’s error body', () => {
  it('error.response can still be read after ky read it', async () => {
    server.use(
      http.get(`${BASE}/broken`, () =>
        HttpResponse.json({ error: 'upstream_down', detail: 'try later' }, { status: 502 }),
      ),
    );
    const client = createClient({ baseUrl: BASE, retry: false });
    const error = await client.get('broken').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpError', code: 'HTTP_ERROR', status: 502, isRetryable: true });
    expect(await (error as UnauthorizedError).response.json()).toEqual({
      error: 'upstream_down',
      detail: 'try later',
    });
    expect((error as UnauthorizedError).response.url).toBe('');
  });
});
