import { apiKeyAuth, defaultSecretPatterns } from '@attache/api-key';
import { type AttacheEvent, ConfigError, createFetch, secret } from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswWorker } from './support/msw-worker.ts';

// Runs in real Chromium (vitest browser mode); the partner API is mocked by msw's Service Worker, which
// sees each request exactly as the page sent it to the network.
const BASE = 'https://api.partner.test';
const worker = useMswWorker();

interface Seen {
  readonly url: URL;
  readonly headers: Record<string, string>;
}

/** The partner API: records every request and answers 200 when `accept` approves it, else 401. */
function partner(accept: (request: Request) => boolean = () => true): Seen[] {
  const seen: Seen[] = [];
  worker.use(
    http.all(`${BASE}/*`, ({ request }) => {
      seen.push({ url: new URL(request.url), headers: Object.fromEntries(request.headers) });
      return accept(request) ? HttpResponse.json({ ok: true }) : new HttpResponse(null, { status: 401 });
    }),
  );
  return seen;
}

// Fetch spec §4.1 (CORS-safelisted request-header): a cross-origin GET carrying only these needs no
// preflight. Every other header costs an OPTIONS round trip.
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'range']);
const SAFELISTED_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

function headersNeedingPreflight(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([name, value]) =>
      name === 'content-type'
        ? !SAFELISTED_CONTENT_TYPES.has(value.split(';')[0]?.trim().toLowerCase() ?? '')
        : !SAFELISTED.has(name),
    )
    .map(([name]) => name);
}

describe('@attache/api-key in a real browser', () => {
  it('runs in Chromium with the msw Service Worker in control of the page', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(navigator.serviceWorker.controller?.scriptURL).toMatch(/\/mockServiceWorker\.js$/);
  });

  it('header placement: the key reaches the partner in X-API-Key, and it is the only header added', async () => {
    const seen = partner((request) => request.headers.get('x-api-key') === 'pk_live_browser');
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: 'pk_live_browser' }) });

    const response = await fetch('orders');

    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-api-key']).toBe('pk_live_browser');
    expect(headersNeedingPreflight(seen[0]?.headers ?? {})).toEqual(['x-api-key']);
  });

  it('header placement with a custom name and prefix', async () => {
    const seen = partner();
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: secret('pk_live_browser'), name: 'Authorization', prefix: 'ApiKey ' }),
    });

    await fetch('orders');

    expect(seen[0]?.headers.authorization).toBe('ApiKey pk_live_browser');
    expect(seen[0]?.headers['x-api-key']).toBeUndefined();
    expect(headersNeedingPreflight(seen[0]?.headers ?? {})).toEqual(['authorization']);
  });

  it('query placement: the key reaches the partner in the query, no header needs a preflight, events are masked', async () => {
    const seen = partner((request) => new URL(request.url).searchParams.get('api_key') === 'pk_live_browser');
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: 'pk_live_browser', in: 'query' }),
      onEvent: (event) => events.push(event),
    });

    const response = await fetch('orders?status=open%20now');

    expect(response.status).toBe(200);
    expect(seen[0]?.url.search).toBe('?status=open%20now&api_key=pk_live_browser');
    expect(headersNeedingPreflight(seen[0]?.headers ?? {})).toEqual([]);
    expect(events.map((e) => e.type)).toEqual([
      'request:start',
      'attempt:start',
      'attempt:end',
      'request:end',
    ]);
    expect(JSON.stringify(events)).not.toContain('pk_live_browser');
  });

  it('cookie placement is a ConfigError: browser fetch cannot set Cookie', () => {
    expect(() => apiKeyAuth({ key: 'pk_live_browser', in: 'cookie' })).toThrow(ConfigError);
    expect(() => apiKeyAuth({ key: 'pk_live_browser', in: 'cookie' })).toThrow(/cannot work in a browser/);
  });

  it('the platform itself drops a Cookie header set by script, which is why the placement is refused', () => {
    const request = new Request(`${BASE}/orders`, { headers: { cookie: 'api_key=pk_live_browser' } });
    expect(request.headers.get('cookie')).toBeNull();
  });

  it.each(['sk_live_51HxYzAbCdEf', 'sk_test_51HxYzAbCdEf', 'sk-proj-abc123', 'rk_live_51HxYzAbCdEf'])(
    'refuses a secret-looking key (%s) unless dangerouslyAllowBrowser',
    async (key) => {
      expect(() => apiKeyAuth({ key })).toThrow(/looks like a secret server-side key/);
      expect(() => apiKeyAuth({ key: secret(key), in: 'query' })).toThrow(ConfigError);

      const seen = partner();
      const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key, dangerouslyAllowBrowser: true }) });
      expect((await fetch('orders')).status).toBe(200);
      expect(seen[0]?.headers['x-api-key']).toBe(key);
    },
  );

  it('secret patterns are configurable', () => {
    expect(() =>
      apiKeyAuth({ key: 'acme_sk_1', secretPatterns: [...defaultSecretPatterns, /^acme_sk_/] }),
    ).toThrow(ConfigError);
    expect(() => apiKeyAuth({ key: 'sk_live_1', secretPatterns: [] })).not.toThrow();
  });

  it('a provider is re-read on 401 and the call replayed once with the rotated key', async () => {
    const seen = partner((request) => request.headers.get('x-api-key') === 'pk_live_v2');
    const keys = ['pk_live_v1', 'pk_live_v2'];
    let reads = 0;
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: async () => keys[Math.min(reads++, keys.length - 1)] ?? '' }),
    });

    const response = await fetch('orders');

    expect(response.status).toBe(200);
    expect(seen.map((s) => s.headers['x-api-key'])).toEqual(['pk_live_v1', 'pk_live_v2']);
    expect(reads).toBe(2);
  });

  it('a provider that rotates to a secret-looking key fails the call before it is sent', async () => {
    const seen = partner(() => false);
    const keys = ['pk_live_v1', 'sk_live_oops'];
    let reads = 0;
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: () => keys[Math.min(reads++, keys.length - 1)] ?? '' }),
    });

    await expect(fetch('orders')).rejects.toThrow(/looks like a secret server-side key/);
    expect(seen.map((s) => s.headers['x-api-key'])).toEqual(['pk_live_v1']);
  });
});
