import {
  type AttacheEvent,
  type AuthContext,
  type Authenticator,
  authenticateRequest,
  bearerAuth,
  ConfigError,
  createFetch,
  type OutgoingRequest,
  type RequestDraft,
  TimeoutError,
} from '@attache/core';
import { delay, HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function record(seen: Seen[], status = 200) {
  return async ({ request }: { request: Request }) => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    });
    return HttpResponse.json({ ok: true }, { status });
  };
}

function context(overrides: Partial<AuthContext> = {}): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: { now: () => Date.now(), offset: 0 },
    isReplay: false,
    emit: () => {},
    ...overrides,
  };
}

/** An authenticator that counts its calls. */
function drafting(name: string, apply: (draft: RequestDraft, context: AuthContext) => Promise<void> | void) {
  const calls = { attach: 0 };
  const authenticator: Authenticator = {
    name,
    sensitiveHeaders: [`x-${name}`],
    attach(draft, ctx) {
      calls.attach++;
      return apply(draft, ctx);
    },
  };
  return { authenticator, calls };
}

describe('attach: authenticators write onto the pipeline’s draft of each hop', () => {
  it('runs every attach once per attempt, in order, signers last, on one draft', async () => {
    const seen: Seen[] = [];
    server.use(http.post(`${BASE}/orders`, record(seen)));
    const order: string[] = [];
    const signer = drafting('sig', (draft) => {
      order.push('sig');
      // A signer sees what the others attached.
      draft.headers.set('x-sig', `signed:${draft.headers.get('x-key')}:${draft.headers.get('x-tenant')}`);
    });
    const key = drafting('key', (draft) => {
      order.push('key');
      draft.headers.set('x-key', 'k1');
    });
    const tenant = drafting('tenant', async (draft) => {
      order.push('tenant');
      await Promise.resolve();
      draft.headers.set('x-tenant', 'acme');
    });
    const fetch = createFetch({
      baseUrl: BASE,
      auth: [{ ...signer.authenticator, signer: true }, key.authenticator, tenant.authenticator],
    });
    const response = await fetch('orders', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(order).toEqual(['key', 'tenant', 'sig']);
    expect([signer.calls, key.calls, tenant.calls]).toEqual([{ attach: 1 }, { attach: 1 }, { attach: 1 }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: `${BASE}/orders`,
      body: '{"a":1}',
      headers: {
        'content-type': 'application/json',
        'x-key': 'k1',
        'x-tenant': 'acme',
        'x-sig': 'signed:k1:acme',
      },
    });
  });

  it.each([
    ['no attach', { name: 'legacy', authenticate: () => undefined }],
    ['no name', { attach: () => undefined }],
    ['not an object', 42],
  ])('refuses an authenticator with %s, naming its index', (_name, bad) => {
    const key = drafting('key', (draft) => draft.headers.set('x-key', 'k1'));
    expect(() => createFetch({ baseUrl: BASE, auth: [key.authenticator, bad as never] })).toThrow(
      /auth\[1\] is not an authenticator/,
    );
  });

  it('the signer sees the body bytes on the draft, and no body after a 303 turns the hop into a GET', async () => {
    const bodies: (string | null | undefined)[] = [];
    server.use(
      http.post(
        `${BASE}/submit`,
        () => new HttpResponse(null, { status: 303, headers: { location: '/done' } }),
      ),
      http.get(`${BASE}/done`, () => HttpResponse.json({ ok: true })),
    );
    const fetch = createFetch({
      baseUrl: BASE,
      auth: {
        name: 'sig',
        signer: true,
        attach: (draft) => {
          bodies.push(draft.body ? new TextDecoder().decode(draft.body) : draft.body);
        },
      },
    });
    for (const body of ['plain text', new TextEncoder().encode('bytes'), new URLSearchParams({ a: '1' })]) {
      expect((await fetch('submit', { method: 'POST', body })).status).toBe(200);
    }
    expect(bodies).toEqual(['plain text', undefined, 'bytes', undefined, 'a=1', undefined]);
  });

  it('prepares a fresh draft on every attempt: a retry and a 401 replay each get their own', async () => {
    const seen: Seen[] = [];
    let calls = 0;
    server.use(
      http.get(`${BASE}/flaky`, async (info) => {
        calls++;
        return record(seen, calls === 1 ? 503 : calls === 2 ? 401 : 200)(info);
      }),
    );
    const attempts: number[] = [];
    const key = drafting('key', (draft, ctx) => {
      attempts.push(ctx.attempt);
      // Appending would pile up values if a draft were reused between attempts.
      draft.headers.append('x-key', `k${ctx.attempt}`);
      draft.url.searchParams.append('attempt', String(ctx.attempt));
    });
    const fetch = createFetch({
      baseUrl: BASE,
      auth: { ...key.authenticator, challenge: () => 'replay' },
      retry: { retries: 1, baseDelay: 1, maxDelay: 1 },
    });
    expect((await fetch('flaky')).status).toBe(200);
    expect(attempts).toEqual([1, 2, 3]);
    expect(seen.map((s) => [s.headers['x-key'], new URL(s.url).search])).toEqual([
      ['k1', '?attempt=1'],
      ['k2', '?attempt=2'],
      ['k3', '?attempt=3'],
    ]);
  });

  it('may change the query, and the challenge sees the request as it was sent', async () => {
    const seen: Seen[] = [];
    server.use(http.get(`${BASE}/items`, record(seen, 401)));
    let challenged: { url: string; key: string | null } | undefined;
    const fetch = createFetch({
      baseUrl: BASE,
      auth: {
        name: 'query-key',
        sensitiveQuery: ['key'],
        attach: (draft) => draft.url.searchParams.set('key', 'secret-query-key'),
        challenge(_response, sent) {
          challenged = { url: sent.url.href, key: sent.headers.get('x-none') };
          return 'fail';
        },
      },
    });
    const response = await fetch('items?page=2');
    expect(response.status).toBe(401);
    expect(seen[0]?.url).toBe(`${BASE}/items?page=2&key=secret-query-key`);
    expect(challenged).toEqual({ url: `${BASE}/items?page=2&key=secret-query-key`, key: null });
  });

  it.each([
    [
      'another host',
      (draft: RequestDraft) => {
        draft.url.host = 'evil.test';
      },
    ],
    [
      'plain http',
      (draft: RequestDraft) => {
        draft.url.protocol = 'http:';
      },
    ],
    [
      'user:password',
      (draft: RequestDraft) => {
        draft.url.username = 'user';
      },
    ],
  ])('refuses a draft moved to %s, before anything is sent', async (_name, move) => {
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: { name: 'mover', attach: move },
      onEvent: (event) => events.push(event),
    });
    const error = await fetch('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/another origin/);
    // No handler is installed: anything sent would fail the test as an unhandled request.
    expect(events.at(-1)).toMatchObject({ type: 'request:end', error: 'CONFIG' });
  });

  it('bounds an attach that never settles by the call deadline', async () => {
    const fetch = createFetch({
      baseUrl: BASE,
      timeout: 50,
      auth: { name: 'stuck', attach: () => new Promise<void>(() => {}) },
    });
    await expect(fetch('orders')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('a custom transport receives one outgoing description per hop, never a Request', async () => {
    const received: OutgoingRequest[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'draft-token' }),
      transport: async (outgoing) => {
        received.push(outgoing);
        return new Response('{}', { status: 200 });
      },
    });
    await fetch('orders', { method: 'PUT', body: 'x' });
    expect(received).toHaveLength(1);
    expect(received[0]).not.toBeInstanceOf(Request);
    expect(received[0]).toMatchObject({ url: `${BASE}/orders`, method: 'PUT', redirect: 'manual' });
    expect(received[0]?.headers.get('authorization')).toBe('Bearer draft-token');
    expect(new TextDecoder().decode(received[0]?.body as Uint8Array)).toBe('x');
    expect(received[0]?.signal).toBeInstanceOf(AbortSignal);
  });
});

describe('calls that need no copy of the caller’s request', () => {
  it('a URL call with method, headers and signal sends exactly those', async () => {
    const seen: Seen[] = [];
    server.use(http.delete(`${BASE}/orders/7`, record(seen)));
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 't' }) });
    const headers = new Headers({ 'x-trace': 'abc' });
    const response = await fetch(new URL(`${BASE}/orders/7`), {
      method: 'DELETE',
      headers,
      signal: new AbortController().signal,
    });
    expect(response.status).toBe(200);
    expect(seen[0]).toMatchObject({
      method: 'DELETE',
      headers: { 'x-trace': 'abc', authorization: 'Bearer t' },
    });
    // The caller's headers object is not written to.
    expect([...headers]).toEqual([['x-trace', 'abc']]);
  });

  it('an aborted caller signal stops the call before anything is sent', async () => {
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 't' }) });
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(fetch('orders', { signal: controller.signal })).rejects.toThrow('caller gave up');
  });

  it('with timeout: false the caller’s signal still aborts a call in flight', async () => {
    server.use(http.get(`${BASE}/slow`, () => delay('infinite')));
    const fetch = createFetch({ baseUrl: BASE, timeout: false, auth: bearerAuth({ token: 't' }) });
    const controller = new AbortController();
    const pending = fetch('slow', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopped by the caller')), 20);
    await expect(pending).rejects.toThrow('stopped by the caller');
  });

  it('methods fetch would normalize or refuse, and other init members, still go through a Request', async () => {
    const seen: Seen[] = [];
    server.use(http.delete(`${BASE}/orders/7`, record(seen)), http.get(`${BASE}/orders/7`, record(seen)));
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 't' }) });
    await fetch('orders/7', { method: 'delete' });
    await fetch('orders/7', { method: 'get', cache: 'no-store' });
    expect(seen.map((s) => s.method)).toEqual(['DELETE', 'GET']);
    await expect(fetch('orders/7', { method: 'CONNECT' })).rejects.toBeInstanceOf(TypeError);
    await expect(fetch('orders/7', { signal: 'nope' as unknown as AbortSignal })).rejects.toBeInstanceOf(
      TypeError,
    );
  });

  it('a body-less Request is used as it is and stays readable by the caller', async () => {
    const seen: Seen[] = [];
    server.use(http.get(`${BASE}/orders/7`, record(seen)));
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 't' }) });
    const request = new Request(`${BASE}/orders/7`, { headers: { accept: 'application/json' } });
    expect((await fetch(request)).status).toBe(200);
    expect(request.headers.get('authorization')).toBeNull();
    expect(seen[0]?.headers).toMatchObject({ accept: 'application/json', authorization: 'Bearer t' });
  });
});

describe('authenticateRequest (callers holding a Request)', () => {
  const keyAndQuery: Authenticator = {
    name: 'key',
    attach: (draft) => {
      draft.headers.set('x-key', 'k');
      draft.url.searchParams.set('b', '2');
    },
  };

  it('returns a copy with credentials attached and leaves the caller’s request and body untouched', async () => {
    const original = new Request(`${BASE}/orders?a=1`, { method: 'POST', body: 'payload' });
    const prepared = await authenticateRequest(keyAndQuery, original, context());
    expect(prepared.url).toBe(`${BASE}/orders?a=1&b=2`);
    expect(prepared.method).toBe('POST');
    expect(prepared.headers.get('x-key')).toBe('k');
    expect(await prepared.text()).toBe('payload');
    expect(original.bodyUsed).toBe(false);
    expect(await original.text()).toBe('payload');
    expect(original.headers.get('x-key')).toBeNull();
  });

  it('hands signers the exact body bytes, after the others', async () => {
    const order: string[] = [];
    const signer: Authenticator = {
      name: 'sig',
      signer: true,
      attach: (draft) => {
        order.push('sig');
        draft.headers.set(
          'x-sig',
          `${new TextDecoder().decode(draft.body ?? new Uint8Array())}:${draft.headers.get('x-key')}`,
        );
      },
    };
    const key: Authenticator = {
      name: 'key',
      attach: (draft) => {
        order.push('key');
        draft.headers.set('x-key', 'k');
      },
    };
    const signed = await authenticateRequest(
      [signer, key],
      new Request(`${BASE}/a`, { method: 'PUT', body: 'abc' }),
    );
    expect(order).toEqual(['key', 'sig']);
    expect(signed.headers.get('x-sig')).toBe('abc:k');
  });

  it('throws a ConfigError when the draft leaves the origin', async () => {
    const mover: Authenticator = {
      name: 'mover',
      attach: (draft) => {
        draft.url.hostname = 'elsewhere.test';
      },
    };
    await expect(authenticateRequest(mover, new Request(`${BASE}/a`), context())).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it('throws a ConfigError when the draft gains user:password, as the pipeline does', async () => {
    const mover: Authenticator = {
      name: 'mover',
      attach: (draft) => {
        draft.url.password = 'hunter2';
      },
    };
    await expect(authenticateRequest(mover, new Request(`${BASE}/a`), context())).rejects.toThrow(
      /another origin/,
    );
  });

  it('refuses something that is not an authenticator', async () => {
    await expect(authenticateRequest({} as never, new Request(`${BASE}/a`))).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});
