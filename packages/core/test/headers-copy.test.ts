import { type Authenticator, createFetch } from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

describe('under msw’s Node interceptor', () => {
  it('a request rebuilt by several authenticators reaches the handler with each header once', async () => {
    const seen: Record<string, string | null>[] = [];
    server.use(
      http.post(`${BASE}/x`, async ({ request }) => {
        seen.push({
          key: request.headers.get('x-api-key'),
          auth: request.headers.get('authorization'),
          accept: request.headers.get('accept'),
          body: await request.text(),
        });
        return HttpResponse.json({});
      }),
    );
    // Each writes onto the pipeline's one draft of the hop; a later one replaces an earlier one's value.
    const step = (name: string, headers: Record<string, string>): Authenticator => ({
      name,
      attach: (draft) => {
        for (const [k, v] of Object.entries(headers)) draft.headers.set(k, v);
      },
    });
    const fetch = createFetch({
      baseUrl: BASE,
      auth: [
        step('key', { 'x-api-key': 'k1' }),
        step('token', { authorization: 'Bearer t' }),
        step('rotate', { 'x-api-key': 'k2' }),
        step('sig', { signature: 's' }),
      ],
    });
    const response = await fetch('x', {
      method: 'POST',
      body: 'payload',
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([{ key: 'k2', auth: 'Bearer t', accept: 'application/json', body: 'payload' }]);
  });

  it('a caller Request rebuilt several times (as ky does) reaches the handler with each header once', async () => {
    const seen: (string | null)[][] = [];
    server.use(
      http.get(`${BASE}/y`, ({ request }) => {
        seen.push(['x-api-key', 'x-step', 'x-tenant'].map((name) => request.headers.get(name)));
        return HttpResponse.json({});
      }),
    );
    let request = new Request(`${BASE}/y`, { headers: { 'x-tenant': 'acme' } });
    for (let i = 0; i < 4; i++) {
      // Entry by entry: `new Headers(request.headers)` in a test's own code meets msw's record of raw headers.
      const headers = new Headers([...request.headers]);
      headers.set('x-step', String(i));
      request = new Request(request, { headers });
    }
    const fetch = createFetch({
      baseUrl: BASE,
      auth: { name: 'key', attach: (draft) => draft.headers.set('x-api-key', 'k1') },
    });
    for (let i = 0; i < 3; i++) expect((await fetch(request)).status).toBe(200);
    expect(seen).toEqual(Array.from({ length: 3 }, () => ['k1', '3', 'acme']));
  });
});
