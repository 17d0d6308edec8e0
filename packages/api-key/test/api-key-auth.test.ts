import { apiKeyAuth } from '@attache/api-key';
import { authenticateRequest, ConfigError, type RequestDraft, secret } from '@attache/core';
import { describe, expect, it } from 'vitest';
import { authContext } from './support/context.ts';

const URL_BASE = 'https://api.partner.test';

describe('apiKeyAuth: options are checked at once', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no options', undefined, /options must be an object/],
    ['no key', {}, /key must be a non-empty string, a Secret, or a function/],
    ['empty key', { key: '' }, /apiKeyAuth: key is empty/],
    ['empty Secret', { key: secret('') }, /apiKeyAuth: key is empty/],
    ['key of the wrong type', { key: 42 }, /key must be/],
    ['key with a space', { key: 'abc def' }, /apiKeyAuth: key contains a space/],
    ['key with a newline', { key: 'abc\r\nX-Evil: 1' }, /apiKeyAuth: key contains a line break/],
    ['non-ASCII key', { key: 'clé' }, /apiKeyAuth: key contains a character outside visible ASCII/],
    ['cookie key with ;', { key: 'a;b', in: 'cookie' }, /to travel in a cookie/],
    ['unknown placement', { key: 'k', in: 'body' }, /in must be 'header', 'query' or 'cookie', got "body"/],
    ['empty name', { key: 'k', name: '' }, /name must be a non-empty string/],
    [
      'header name with a space',
      { key: 'k', name: 'X Api Key' },
      /name "X Api Key" is not a valid header name/,
    ],
    ['cookie name with =', { key: 'k', in: 'cookie', name: 'a=b' }, /not a valid cookie name/],
    ['Cookie as a header name', { key: 'k', name: 'Cookie' }, /use in: 'cookie'/],
    ['prefix with a newline', { key: 'k', prefix: 'ApiKey\n' }, /prefix must be a string of printable ASCII/],
    [
      'prefix on a query',
      { key: 'k', in: 'query', prefix: 'ApiKey ' },
      /prefix applies to in: 'header' only/,
    ],
    [
      'non-boolean dangerouslyAllowBrowser',
      { key: 'k', dangerouslyAllowBrowser: 'yes' },
      /must be a boolean/,
    ],
    [
      'secretPatterns of strings',
      { key: 'k', secretPatterns: ['^sk_'] },
      /secretPatterns must be an array of RegExp/,
    ],
  ];
  it.each(cases)('%s → ConfigError naming the field', (_label, options, message) => {
    expect(() => apiKeyAuth(options as never)).toThrow(ConfigError);
    expect(() => apiKeyAuth(options as never)).toThrow(message);
  });

  it('never quotes the key in an error message', () => {
    const key = 'abc\ndef-very-secret';
    try {
      apiKeyAuth({ key });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('very-secret');
      expect((error as Error).stack).not.toContain('very-secret');
    }
  });
});

describe('apiKeyAuth: header placement', () => {
  it('sends X-API-Key by default and adds no other header', async () => {
    const auth = apiKeyAuth({ key: 'k-123' });
    const request = await authenticateRequest(auth, new Request(`${URL_BASE}/orders`), authContext());
    expect(request.headers.get('x-api-key')).toBe('k-123');
    expect([...request.headers.keys()]).toEqual(['x-api-key']);
    expect(auth.sensitiveHeaders).toEqual(['x-api-key']);
    expect(auth.sensitiveQuery).toBeUndefined();
    expect(auth.name).toBe('api-key');
  });

  it('takes a Secret, a custom name and a prefix', async () => {
    const auth = apiKeyAuth({ key: secret('k-123'), name: 'Authorization', prefix: 'ApiKey ' });
    const request = await authenticateRequest(auth, new Request(`${URL_BASE}/orders`), authContext());
    expect(request.headers.get('authorization')).toBe('ApiKey k-123');
    expect(auth.sensitiveHeaders).toEqual(['authorization']);
  });

  it('replaces a value the caller set under the same name and keeps the caller’s other headers', async () => {
    const auth = apiKeyAuth({ key: 'k-123' });
    const input = new Request(`${URL_BASE}/orders`, {
      headers: { 'X-API-Key': 'stale', accept: 'application/json' },
    });
    const request = await authenticateRequest(auth, input, authContext());
    expect(request.headers.get('x-api-key')).toBe('k-123');
    expect(request.headers.get('accept')).toBe('application/json');
  });

  it('never mutates the incoming request', async () => {
    const input = new Request(`${URL_BASE}/orders`, { headers: { accept: 'application/json' } });
    const request = await authenticateRequest(apiKeyAuth({ key: 'k-123' }), input, authContext());
    expect(request).not.toBe(input);
    expect(input.headers.has('x-api-key')).toBe(false);
  });
});

describe('apiKeyAuth: query placement', () => {
  it('adds api_key and keeps the other parameters byte for byte', async () => {
    const auth = apiKeyAuth({ key: 'k-123', in: 'query' });
    const input = new Request(`${URL_BASE}/search?q=a%20b&tag=x+y&empty=&flag`);
    const request = await authenticateRequest(auth, input, authContext());
    expect(request.url).toBe(`${URL_BASE}/search?q=a%20b&tag=x+y&empty=&flag&api_key=k-123`);
    expect(input.url).toBe(`${URL_BASE}/search?q=a%20b&tag=x+y&empty=&flag`);
    expect([...request.headers.keys()]).toEqual([]);
    expect(auth.sensitiveQuery).toEqual(['api_key']);
    expect(auth.sensitiveHeaders).toBeUndefined();
  });

  it('replaces every pair of the same name, encoded or not', async () => {
    const auth = apiKeyAuth({ key: 'k/+=?', in: 'query', name: 'api key' });
    const input = new Request(`${URL_BASE}/x?api%20key=old&a=1&api+key=older`);
    const request = await authenticateRequest(auth, input, authContext());
    expect(request.url).toBe(`${URL_BASE}/x?a=1&api%20key=k%2F%2B%3D%3F`);
    expect(new URL(request.url).searchParams.get('api key')).toBe('k/+=?');
  });

  it('keeps method, headers, body and signal of a POST', async () => {
    const controller = new AbortController();
    const body = new TextEncoder().encode('{"amount":100}');
    const input = new Request(`${URL_BASE}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'i-1' },
      body,
      signal: controller.signal,
    });
    const request = await authenticateRequest(
      apiKeyAuth({ key: 'k-123', in: 'query', name: 'key' }),
      input,
      authContext(),
    );
    expect(request.method).toBe('POST');
    expect(new URL(request.url).searchParams.get('key')).toBe('k-123');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.headers.get('idempotency-key')).toBe('i-1');
    expect(await request.text()).toBe('{"amount":100}');
    expect(input.bodyUsed).toBe(false);
    controller.abort();
    expect(request.signal.aborted).toBe(true);
  });

  it('hands a stream body over when it could not be read ahead', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const input = new Request(`${URL_BASE}/upload`, {
      method: 'PUT',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const request = await authenticateRequest(
      apiKeyAuth({ key: 'k-123', in: 'query' }),
      input,
      authContext(),
    );
    expect(await request.text()).toBe('streamed');
  });

  it('attaches to a draft whose stream body could not be read ahead, and leaves the body alone', async () => {
    const draft: RequestDraft = {
      method: 'PUT',
      url: new URL(`${URL_BASE}/upload`),
      headers: new Headers(),
      body: null,
    };
    await apiKeyAuth({ key: 'k-123', in: 'query' }).attach(draft, authContext());
    expect(draft.url.searchParams.get('api_key')).toBe('k-123');
    expect(draft.body).toBeNull();
  });
});

describe('apiKeyAuth: cookie placement (Node)', () => {
  it('sends Cookie: api_key=<key>', async () => {
    const auth = apiKeyAuth({ key: 'k-123', in: 'cookie' });
    const request = await authenticateRequest(auth, new Request(`${URL_BASE}/me`), authContext());
    expect(request.headers.get('cookie')).toBe('api_key=k-123');
    expect(auth.sensitiveHeaders).toEqual(['cookie']);
  });

  it('appends to the caller’s cookies and replaces one of the same name in place', async () => {
    const auth = apiKeyAuth({ key: 'k-123', in: 'cookie', name: 'session_key' });
    const appended = await authenticateRequest(
      auth,
      new Request(`${URL_BASE}/me`, { headers: { cookie: 'theme=dark;lang=fr' } }),
      authContext(),
    );
    expect(appended.headers.get('cookie')).toBe('theme=dark; lang=fr; session_key=k-123');
    const replaced = await authenticateRequest(
      auth,
      new Request(`${URL_BASE}/me`, { headers: { cookie: 'theme=dark; session_key=old; lang=fr' } }),
      authContext(),
    );
    expect(replaced.headers.get('cookie')).toBe('theme=dark; session_key=k-123; lang=fr');
  });
});

describe('apiKeyAuth: challenge', () => {
  it('answers fail for a fixed key: nothing can change it', async () => {
    const auth = apiKeyAuth({ key: 'k-123' });
    const sent: RequestDraft = {
      method: 'GET',
      url: new URL(`${URL_BASE}/me`),
      headers: new Headers(),
      body: undefined,
    };
    await auth.attach(sent, authContext());
    expect(sent.headers.get('x-api-key')).toBe('k-123');
    const outcome = await auth.challenge?.(new Response(null, { status: 401 }), sent, {
      ...authContext(),
      challenges: [],
    });
    expect(outcome).toBe('fail');
  });
});
