import { inspect } from 'node:util';
import { secret, TokenAcquisitionError, TokenResponseError } from '@attache/core';
import { mockAuthorizationServer } from '@attache/testing';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { type ClientCredentialsAuthOptions, clientCredentialsAuth, clientSecretPost } from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/oauth/token';
const server = useMswServer();
let clients = 0;

afterEach(() => {
  vi.useRealTimers();
});

/** A client with its own id, so no two tests share a cached token. */
function auth(extra: Readonly<Record<string, unknown>> = {}) {
  return clientCredentialsAuth({
    tokenEndpoint: TOKEN_URL,
    clientId: `client-${++clients}`,
    clientSecret: secret('s3cret-value'),
    ...extra,
  } as ClientCredentialsAuthOptions);
}

/** Answers the token endpoint with the given responses in turn, recording every request. */
function tokenEndpoint(...responses: (() => Response)[]) {
  const requests: { headers: Headers; form: URLSearchParams }[] = [];
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      requests.push({ headers: request.headers, form: new URLSearchParams(await request.text()) });
      const next = responses[Math.min(requests.length, responses.length) - 1];
      if (next === undefined) throw new Error('no response configured');
      return next();
    }),
  );
  return requests;
}

/** An authorization server that knows `clientId` (secret `s3cret-value`); its faults fail the first requests. */
function authorizationServer(clientId: string) {
  const mock = mockAuthorizationServer({
    issuer: 'https://auth.partner.example',
    tokenEndpoint: TOKEN_URL,
    clients: [{ clientId, clientSecret: 's3cret-value' }],
  });
  server.use(...mock.handlers);
  return mock;
}

/**
 * Advances fake time in small steps until `promise` settles, letting real I/O (msw answering) run between
 * steps: a single big advance would end before the next request's answer arrives and schedules its timers.
 */
async function settle<T>(promise: Promise<T>, stepMs = 50, maxSteps = 400): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let step = 0; step < maxSteps && !done; step++) {
    await vi.advanceTimersByTimeAsync(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return promise;
}

const ok =
  (body: Record<string, unknown> = {}) =>
  () =>
    HttpResponse.json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600, ...body });

describe('the token request', () => {
  it('posts grant_type, scope, audience, repeated resource and extra params as a form', async () => {
    const requests = tokenEndpoint(ok());
    await auth({
      scope: ['orders:read', 'orders:write'],
      audience: 'https://api.partner.example',
      resource: ['https://api.partner.example/orders', 'https://api.partner.example/billing'],
      extraParams: { tenant: 'acme', feature: ['a', 'b'] },
    }).source.get();
    const [request] = requests;
    expect(request?.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.get('accept')).toBe('application/json');
    expect([...(request?.form ?? [])]).toEqual([
      ['grant_type', 'client_credentials'],
      ['scope', 'orders:read orders:write'],
      ['audience', 'https://api.partner.example'],
      ['resource', 'https://api.partner.example/orders'],
      ['resource', 'https://api.partner.example/billing'],
      ['tenant', 'acme'],
      ['feature', 'a'],
      ['feature', 'b'],
    ]);
  });

  it('percent-encodes id and secret (a space as %20) before base64, non-ASCII included (RFC 6749 §2.3.1)', async () => {
    const requests = tokenEndpoint(ok());
    const clientSecret = 'ü: ß%+€ 秘密';
    await clientCredentialsAuth({
      tokenEndpoint: TOKEN_URL,
      clientId: 'clïent:1',
      clientSecret,
    }).source.get();
    const header = requests[0]?.headers.get('authorization') ?? '';
    const decoded = atob(header.replace(/^Basic /, ''));
    expect(decoded).toBe('cl%C3%AFent%3A1:%C3%BC%3A%20%C3%9F%25%2B%E2%82%AC%20%E7%A7%98%E5%AF%86');
    // What a server does (RFC 6749 §2.3.1): split at the first ":", then form-decode each half.
    const [id, value] = decoded.split(':') as [string, string];
    expect(new URLSearchParams(`x=${id}`).get('x')).toBe('clïent:1');
    expect(new URLSearchParams(`x=${value}`).get('x')).toBe(clientSecret);
    expect(decodeURIComponent(value)).toBe(clientSecret);
  });

  it('accepts expires_in as a numeric string and keeps the granted scope', async () => {
    tokenEndpoint(ok({ expires_in: '120', scope: 'orders:read' }));
    const now = 1_000_000;
    const token = await auth({ now: () => now }).source.get();
    expect(token.expiresAt).toBe(now + 120_000);
    expect(token.extra).toEqual({ scope: 'orders:read' });
  });

  it('accepts token_type in any case', async () => {
    tokenEndpoint(ok({ token_type: 'bEaReR' }));
    expect((await auth().source.get()).type).toBe('Bearer');
  });
});

describe('retries inside the deadline', () => {
  it('obeys Retry-After on a 429, then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const as = authorizationServer('retry-429');
    as.faults.failNext(1, 429, { retryAfter: 3, body: { error: 'slow_down' } });
    const events: unknown[] = [];
    const pending = auth({
      clientId: 'retry-429',
      onEvent: (event: unknown) => events.push(event),
    }).source.get();
    await vi.advanceTimersByTimeAsync(2_900);
    expect(as.calls.token).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    const token = await pending;
    expect(token.value.reveal()).toBe(as.issued[0]?.accessToken);
    expect(as.calls.token).toBe(2);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry:scheduled', status: 429, delayMs: 3_000, url: TOKEN_URL }),
    );
  });

  it('retries a 503 and network errors with backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const as = authorizationServer('retry-503');
    as.faults.failNext(1, 503, { body: 'unavailable' }).networkErrorNext(1);
    const token = await settle(
      auth({ clientId: 'retry-503', retry: { retries: 2, minDelay: 100, maxDelay: 1_000 } }).source.get(),
    );
    expect(token.value.reveal()).toBe(as.issued[0]?.accessToken);
    expect(as.calls.token).toBe(3);
    expect(as.faults.calls).toMatchObject({ failed: 1, networkErrors: 1 });
  });

  it("waits the shared back-off with equal jitter, drawn with the token source's random", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const requests = tokenEndpoint(
      () => new HttpResponse('unavailable', { status: 503 }),
      () => new HttpResponse('unavailable', { status: 503 }),
      () => new HttpResponse('unavailable', { status: 503 }),
      ok(),
    );
    const draws = [0.5, 0.25, 0.999];
    const events: { type: string; delayMs?: number }[] = [];
    const token = await settle(
      auth({
        retry: { retries: 3, minDelay: 200, maxDelay: 500 },
        // The source draws its refresh point last, once the token has come.
        tokenSource: { random: () => draws.shift() ?? 0.5 },
        onEvent: (event: { type: string; delayMs?: number }) => events.push(event),
      }).source.get(),
    );
    expect(token.value.reveal()).toBe('at-1');
    expect(requests).toHaveLength(4);
    // Ceilings 200, 400, then maxDelay 500: c/2 + random() × c/2, never less than half.
    expect(events.filter((event) => event.type === 'retry:scheduled').map((event) => event.delayMs)).toEqual([
      150, 250, 499,
    ]);
  });

  it('does not wait for a Retry-After past the deadline: the 429 comes back at once', async () => {
    const as = authorizationServer('retry-deadline');
    as.faults.failNext(1, 429, { retryAfter: 120, body: { error: 'rate_limited' } });
    const error = await auth({ clientId: 'retry-deadline', tokenSource: { fetchTimeout: 10_000 } })
      .source.get()
      .catch((e: unknown) => e);
    expect(as.calls.token).toBe(1);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({
      status: 429,
      retryAfter: 120_000,
      error: 'rate_limited',
      isRetryable: true,
    });
  });

  it('gives up after the configured retries with the last failure', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const as = authorizationServer('retry-give-up');
    as.faults.failNext(3, 503, { body: { error: 'temporarily_unavailable' } });
    const error = await settle(
      auth({ clientId: 'retry-give-up', retry: { retries: 2, minDelay: 10, maxDelay: 100 } })
        .source.get()
        .catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    expect(as.calls.token).toBe(3);
  });

  it.each([400, 401, 403, 404, 408])('never retries a %i', async (status) => {
    const as = authorizationServer(`retry-never-${status}`);
    as.faults.failNext(1, status, { body: { error: 'invalid_request' } });
    await expect(auth({ clientId: `retry-never-${status}` }).source.get()).rejects.toMatchObject({
      status,
      error: 'invalid_request',
    });
    expect(as.calls.token).toBe(1);
  });

  it('never follows a redirect from the token endpoint', async () => {
    const requests = tokenEndpoint(
      () => new HttpResponse(null, { status: 307, headers: { location: 'https://evil.example/token' } }),
    );
    await expect(auth().source.get()).rejects.toMatchObject({ status: 307, isRetryable: false });
    expect(requests).toHaveLength(1);
  });
});

describe('typed errors for unusable answers', () => {
  it('RFC 6749 §5.2 error bodies become error, errorDescription, errorUri and status', async () => {
    tokenEndpoint(() =>
      HttpResponse.json(
        {
          error: 'invalid_scope',
          error_description: 'scope admin is not allowed',
          error_uri: 'https://auth.partner.example/errors#scope',
        },
        { status: 400 },
      ),
    );
    const error = await auth({ scope: 'admin' })
      .source.get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({
      code: 'TOKEN_ACQUISITION',
      error: 'invalid_scope',
      errorDescription: 'scope admin is not allowed',
      errorUri: 'https://auth.partner.example/errors#scope',
      status: 400,
      isRetryable: false,
    });
    expect((error as Error).message).toBe(
      `Token endpoint ${TOKEN_URL} refused the request with invalid_scope (HTTP 400): scope admin is not allowed`,
    );
  });

  it('malformed JSON', async () => {
    tokenEndpoint(
      () =>
        new HttpResponse('{"access_token": "at-1", ', { headers: { 'content-type': 'application/json' } }),
    );
    const error = await auth()
      .source.get()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 200, error: 'invalid_token_response', isRetryable: false });
    expect((error as Error).message).toContain('application/json body that is not JSON');
    expect((error as Error).message).not.toContain('at-1');
  });

  it('a missing access_token', async () => {
    tokenEndpoint(() => HttpResponse.json({ token_type: 'Bearer', expires_in: 60 }));
    const error = await auth()
      .source.get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toMatchObject({ field: 'access_token', error: 'invalid_token_response' });
  });

  it('an unknown token_type', async () => {
    tokenEndpoint(ok({ token_type: 'mac' }));
    const error = await auth()
      .source.get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toMatchObject({ field: 'token_type' });
    expect((error as Error).message).toContain('"mac"');
  });

  it.each([['N_A'], ['DPoP']])('token_type %s without DPoP configured', async (type) => {
    tokenEndpoint(ok({ token_type: type }));
    await expect(auth().source.get()).rejects.toMatchObject({ field: 'token_type' });
  });

  it('a missing token_type', async () => {
    tokenEndpoint(() => HttpResponse.json({ access_token: 'at-1' }));
    await expect(auth().source.get()).rejects.toMatchObject({ field: 'token_type' });
  });

  it('a non-numeric expires_in', async () => {
    tokenEndpoint(ok({ expires_in: 'soon' }));
    await expect(auth().source.get()).rejects.toMatchObject({ field: 'expires_in' });
  });

  it('an HTML error page (retried as a 502, then reported as such)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const requests = tokenEndpoint(
      () =>
        new HttpResponse('<!DOCTYPE html><html><body>Bad gateway</body></html>', {
          status: 502,
          headers: { 'content-type': 'text/html' },
        }),
    );
    const error = await settle(
      auth({ retry: 1 })
        .source.get()
        .catch((e: unknown) => e),
    );
    expect(requests).toHaveLength(2);
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect((error as Error).message).toBe(`Token endpoint ${TOKEN_URL} answered HTTP 502 with an HTML page`);
  });

  it('an HTML page with status 200 (a login or captive portal) is not a token', async () => {
    tokenEndpoint(
      () =>
        new HttpResponse('<html><body>Sign in</body></html>', { headers: { 'content-type': 'text/html' } }),
    );
    const error = await auth()
      .source.get()
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'answered HTTP 200 with an HTML page instead of a JSON token response',
    );
  });
});

describe('credentials never leak into errors', () => {
  it('scrubs a secret the server echoes in error_description, in every rendering', async () => {
    const clientSecret = 'very-secret-value/+=';
    tokenEndpoint(() =>
      HttpResponse.json(
        {
          error: 'invalid_client',
          error_description: `bad secret ${clientSecret} (form: ${new URLSearchParams({ s: clientSecret }).toString().slice(2)})`,
        },
        { status: 401 },
      ),
    );
    const error = await auth({
      clientSecret: undefined,
      clientAuthentication: clientSecretPost(clientSecret),
    })
      .source.get()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
    const encoded = new URLSearchParams({ s: clientSecret }).toString().slice(2);
    for (const rendering of [
      (error as Error).message,
      (error as Error).stack ?? '',
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
      String((error as TokenAcquisitionError).errorDescription),
    ]) {
      expect(rendering).not.toContain(clientSecret);
      expect(rendering).not.toContain(encoded);
    }
    expect((error as TokenAcquisitionError).errorDescription).toBe(
      'bad secret [redacted] (form: [redacted])',
    );
  });
});
