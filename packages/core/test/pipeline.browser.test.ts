import {
  bearerAuth,
  createClient,
  createFetch,
  OriginNotAllowedError,
  UnauthorizedError,
} from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswWorker } from '../../../test/support/msw-worker.ts';

// Runs in a real Chromium (vitest browser mode); msw answers through its service worker.
const BASE = 'https://api.partner.test';
const worker = useMswWorker();

describe('the pipeline in a real browser', () => {
  it('runs in a browser context', () => {
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('attaches credentials and retries a 503', async () => {
    const seen: (string | null)[] = [];
    let calls = 0;
    worker.use(
      http.get(`${BASE}/orders`, ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return ++calls === 1 ? new HttpResponse(null, { status: 503 }) : HttpResponse.json({ ok: true });
      }),
    );
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'browser-token' }),
      random: () => 0,
    });
    const response = await fetch('orders');
    expect(response.status).toBe(200);
    expect(seen).toEqual(['Bearer browser-token', 'Bearer browser-token']);
  });

  it('refuses a non-allowed origin before sending', async () => {
    const fetch = createFetch({ baseUrl: BASE, auth: bearerAuth({ token: 't' }) });
    await expect(fetch('https://elsewhere.test/')).rejects.toBeInstanceOf(OriginNotAllowedError);
  });

  it('createClient throws UnauthorizedError after one replay', async () => {
    let calls = 0;
    worker.use(
      http.get(`${BASE}/me`, () => {
        calls++;
        return new HttpResponse(null, { status: 401 });
      }),
    );
    let version = 0;
    const client = createClient({ baseUrl: BASE, auth: bearerAuth({ token: () => `t${++version}` }) });
    await expect(client.get('me')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(calls).toBe(2);
  });
});
