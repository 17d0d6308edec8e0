import { createFetch, withHeaders } from '@attache/core';
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
    // Half of them copy headers the way most people write it: `new Headers(request.headers)`.
    const step = (name: string, headers: Record<string, string>) => ({
      name,
      authenticate: (request: Request) => {
        if (name === 'key' || name === 'rotate') return withHeaders(request, headers);
        const copy = new Headers(request.headers);
        for (const [k, v] of Object.entries(headers)) copy.set(k, v);
        return new Request(request, { headers: copy });
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
});
