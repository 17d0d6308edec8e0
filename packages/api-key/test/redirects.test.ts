import { apiKeyAuth } from '@attache/api-key';
import { createFetch } from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

// Node: the pipeline follows redirects itself and runs authenticators again on every allowed hop.
const BASE = 'https://api.partner.test';
const OTHER = 'https://cdn.elsewhere.test';
const server = useMswServer();

interface Hop {
  readonly url: string;
  readonly key: string | null;
  readonly cookie: string | null;
}

function record(seen: Hop[], request: Request): void {
  seen.push({
    url: request.url,
    key: request.headers.get('x-api-key'),
    cookie: request.headers.get('cookie'),
  });
}

describe('redirects', () => {
  it('a same-origin hop gets the key again, once, even when the Location repeats the query key', async () => {
    const seen: Hop[] = [];
    server.use(
      http.get(`${BASE}/v1/orders`, ({ request }) => {
        record(seen, request);
        return new HttpResponse(null, {
          status: 301,
          headers: { location: `/v2/orders${new URL(request.url).search}` },
        });
      }),
      http.get(`${BASE}/v2/orders`, ({ request }) => {
        record(seen, request);
        return HttpResponse.json({ ok: true });
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: 'k-1', in: 'query' }) });

    expect((await fetch('v1/orders?page=2')).status).toBe(200);
    expect(seen.map((hop) => hop.url)).toEqual([
      `${BASE}/v1/orders?page=2&api_key=k-1`,
      `${BASE}/v2/orders?page=2&api_key=k-1`,
    ]);
  });

  it.each([
    ['header', {}],
    ['cookie', { in: 'cookie' as const }],
  ])('a cross-origin hop carries no %s key', async (_label, placement) => {
    const seen: Hop[] = [];
    server.use(
      http.get(`${BASE}/files/1`, ({ request }) => {
        record(seen, request);
        return new HttpResponse(null, { status: 302, headers: { location: `${OTHER}/blobs/1` } });
      }),
      http.get(`${OTHER}/blobs/1`, ({ request }) => {
        record(seen, request);
        return HttpResponse.text('data');
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: 'k-1', ...placement }) });

    expect((await fetch('files/1')).status).toBe(200);
    expect(seen[0]?.key ?? seen[0]?.cookie).toMatch(/k-1/);
    expect(seen[1]).toEqual({ url: `${OTHER}/blobs/1`, key: null, cookie: null });
  });

  // The pipeline does not yet strip credential query parameters from a cross-origin Location.
  it('a cross-origin hop does not carry a query key the partner repeated in its Location', async () => {
    const seen: Hop[] = [];
    server.use(
      http.get(`${BASE}/files/1`, ({ request }) => {
        record(seen, request);
        return new HttpResponse(null, {
          status: 302,
          headers: { location: `${OTHER}/blobs/1${new URL(request.url).search}` },
        });
      }),
      http.get(`${OTHER}/blobs/1`, ({ request }) => {
        record(seen, request);
        return HttpResponse.text('data');
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: 'k-1', in: 'query' }) });

    await fetch('files/1');
    expect(seen[1]?.url).not.toContain('k-1');
  });
});
