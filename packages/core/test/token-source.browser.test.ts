import { createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { UnsecuredJWT } from 'jose';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswWorker } from '../../../test/support/msw-worker.ts';

// Runs in a real Chromium (vitest browser mode); msw answers through its service worker.
const API = 'https://api.partner.test';
const worker = useMswWorker();

describe('token source and tokenAuth in a real browser', () => {
  it('reads a JWT exp, shares one fetch, and replays once after a 401', async () => {
    const t = Date.UTC(2026, 0, 1);
    let logins = 0;
    const valid = new Set<string>();
    worker.use(
      http.get(`${API}/orders`, ({ request }) => {
        const token = request.headers.get('authorization')?.slice('Bearer '.length) ?? '';
        return valid.has(token) ? HttpResponse.json({ ok: true }) : new HttpResponse(null, { status: 401 });
      }),
    );
    const source = createTokenSource(
      async () => {
        logins++;
        const jwt = new UnsecuredJWT({ n: logins }).setExpirationTime(t / 1000 + 900).encode();
        valid.add(jwt);
        return { accessToken: secret(jwt) };
      },
      { key: 'browser:robot', now: () => t },
    );
    const fetch = createFetch({ baseUrl: API, auth: tokenAuth({ source }) });
    const first = await Promise.all(Array.from({ length: 10 }, () => fetch('orders')));
    expect(first.every((response) => response.status === 200)).toBe(true);
    expect(logins).toBe(1);
    expect(source.peek()?.expiresAt).toBe(t + 900_000);
    valid.clear();
    const replayed = await Promise.all(Array.from({ length: 5 }, () => fetch('orders')));
    expect(replayed.every((response) => response.status === 200)).toBe(true);
    expect(logins).toBe(2);
  });
});
