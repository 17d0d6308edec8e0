// hmacAuth inside the real pipeline (createFetch / createClient), against an msw partner that verifies every
// request with createHmacVerifier.
import { inspect } from 'node:util';
import {
  type AttacheEvent,
  bearerAuth,
  ConfigError,
  createClient,
  createFetch,
  isAttacheError,
  secret,
} from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier, type HmacVerifier, type HmacVerifyResult } from '../src/hmac-verifier.ts';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const SECRET = 'pipeline-shared-secret-0123456789';
// Whole seconds, so a `Date` header (one-second resolution) can express the server's time exactly.
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

const server = useMswServer();

/** A partner endpoint that verifies each request, answers with `statuses` in turn and records everything. */
function partner(verifier: HmacVerifier, statuses: number[] = [200], serverNow = NOW) {
  const results: HmacVerifyResult[] = [];
  const requests: Request[] = [];
  let i = 0;
  const handler = async ({ request }: { request: Request }) => {
    requests.push(request.clone());
    const result = await verifier.verify(request);
    results.push(result);
    const date = new Date(serverNow).toUTCString();
    if (!result.ok) {
      return HttpResponse.json(
        { error: result.reason },
        { status: 401, headers: { date, 'www-authenticate': 'Signature' } },
      );
    }
    const status = statuses[Math.min(i++, statuses.length - 1)]!;
    return HttpResponse.json({ ok: status === 200 }, { status, headers: { date } });
  };
  return { results, requests, handler };
}

const nonceOf = (result: HmacVerifyResult) => (result.ok ? result.nonce : undefined);

describe('hmacAuth in createFetch', () => {
  it('re-signs a retried request with a fresh nonce, and both attempts pass a verifier with replay protection', async () => {
    const verifier = createHmacVerifier({ keys: { 'client-42': SECRET }, now: () => NOW });
    const { results, requests, handler } = partner(verifier, [503, 200]);
    server.use(http.post(`${BASE}/payments`, handler));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
      random: () => 0,
    });

    const response = await fetch('payments', {
      method: 'POST',
      body: JSON.stringify({ amount: 100 }),
      headers: { 'content-type': 'application/json' },
      idempotencyKey: 'auto',
    });

    expect(response.status).toBe(200);
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map(nonceOf)).size).toBe(2);
    expect(results[0]).toMatchObject({
      components: expect.arrayContaining(['"content-digest"', '"idempotency-key"']),
    });
    // The first attempt, captured and sent again, is a replay.
    expect(await verifier.verify(requests[0]!)).toMatchObject({ ok: false, reason: 'replayed-nonce' });
  });

  it('does the same for the simple scheme', async () => {
    const verifier = createHmacVerifier({ scheme: 'simple', keys: { 'client-42': SECRET }, now: () => NOW });
    const { results, handler } = partner(verifier, [502, 503, 200]);
    server.use(http.get(`${BASE}/orders`, handler));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ scheme: 'simple', keyId: 'client-42', key: SECRET }),
      now: () => NOW,
      random: () => 0,
    });
    expect((await fetch('orders?status=open')).status).toBe(200);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(new Set(results.map(nonceOf)).size).toBe(3);
  });

  it.each([
    ['behind', -600_000, 'expired'],
    ['ahead of', 600_000, 'future-timestamp'],
  ] as const)(
    'corrects its clock after one rejection when it runs 10 minutes %s the server',
    async (_where, skew, firstReason) => {
      const serverNow = NOW;
      const verifier = createHmacVerifier({ keys: { 'client-42': SECRET }, now: () => serverNow });
      const { results, handler } = partner(verifier, [200], serverNow);
      server.use(http.get(`${BASE}/balance`, handler));
      const events: AttacheEvent[] = [];
      const fetch = createFetch({
        baseUrl: BASE,
        auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
        now: () => serverNow + skew,
        onEvent: (event) => events.push(event),
      });

      const response = await fetch('balance');

      expect(response.status).toBe(200);
      expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([firstReason, 'ok']);
      expect(results[1]).toMatchObject({ created: serverNow / 1000 });
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'challenge:handled', authenticator: 'hmac', outcome: 'replay' }),
      );
    },
  );

  it('does not replay a 401 when the clock did not move: the rejection is final', async () => {
    const verifier = createHmacVerifier({
      keys: { 'client-42': 'a-different-secret-000000000000' },
      now: () => NOW,
    });
    const { results, handler } = partner(verifier);
    server.use(http.get(`${BASE}/balance`, handler));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    expect((await fetch('balance')).status).toBe(401);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ reason: 'signature-mismatch' });
  });

  it('signs 25 concurrent calls with 25 distinct nonces, all accepted', async () => {
    const verifier = createHmacVerifier({ keys: { 'client-42': SECRET }, now: () => NOW });
    const { results, handler } = partner(verifier);
    server.use(http.post(`${BASE}/events`, handler));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });

    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => fetch('events', { method: 'POST', body: JSON.stringify({ i }) })),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(25).fill(200));
    expect(results).toHaveLength(25);
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    expect(new Set(results.map(nonceOf)).size).toBe(25);
  });

  it('signs last and covers the bearer token another authenticator added (hybrid scheme)', async () => {
    const verifier = createHmacVerifier({
      keys: { 'client-42': SECRET },
      now: () => NOW,
      requiredComponents: ['@method', '@target-uri', 'authorization'],
    });
    const { results, requests, handler } = partner(verifier);
    server.use(http.get(`${BASE}/me`, handler));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: [hmacAuth({ keyId: 'client-42', key: SECRET }), bearerAuth({ token: secret('token-1') })],
      now: () => NOW,
    });
    expect((await fetch('me')).status).toBe(200);
    expect(results[0]).toMatchObject({
      ok: true,
      components: ['"@method"', '"@target-uri"', '"authorization"'],
    });
    const swapped = new Request(requests[0]!, {
      headers: { ...Object.fromEntries(requests[0]!.headers), authorization: 'Bearer stolen' },
    });
    expect(
      await createHmacVerifier({ keys: { 'client-42': SECRET }, now: () => NOW }).verify(swapped),
    ).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('signs the GET a 303 redirect turns a signed POST into, without the dropped body', async () => {
    const verifier = createHmacVerifier({ keys: { 'client-42': SECRET }, now: () => NOW });
    const { results, handler } = partner(verifier);
    server.use(
      http.post(
        `${BASE}/jobs`,
        () => new HttpResponse(null, { status: 303, headers: { location: `${BASE}/jobs/7` } }),
      ),
      http.get(`${BASE}/jobs/7`, handler),
    );
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    expect((await fetch('jobs', { method: 'POST', body: '{"run":true}' })).status).toBe(200);
    expect(results).toEqual([
      expect.objectContaining({ ok: true, components: ['"@method"', '"@target-uri"'] }),
    ]);
  });

  it('refuses a ReadableStream body before sending anything', async () => {
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    const body = new Blob(['{"big":true}']).stream();
    const error = await fetch('uploads', { method: 'POST', body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('ReadableStream');
  });

  it('keeps the signature and the secret out of events and error snapshots', async () => {
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({
        scheme: 'simple',
        keyId: 'client-42',
        key: secret(SECRET),
        headers: { signature: 'X-Partner-Sig' },
      }),
      now: () => NOW,
      retry: false,
      transport: async () => {
        throw new TypeError('fetch failed');
      },
      onEvent: (event) => events.push(event),
    });
    const error = await fetch('orders').catch((e: unknown) => e);
    expect(isAttacheError(error)).toBe(true);
    const snapshot = (error as { request: { headers: Record<string, string> } }).request.headers;
    expect(snapshot['x-partner-sig']).toBe('[redacted]');
    for (const text of [
      JSON.stringify(events),
      JSON.stringify(error),
      inspect(error),
      (error as Error).stack ?? '',
    ]) {
      expect(text).not.toContain(SECRET);
    }
  });
});

describe('hmacAuth in createClient', () => {
  it('signs typed calls the same way', async () => {
    const verifier = createHmacVerifier({ keys: { 'client-42': SECRET }, now: () => NOW });
    const { results, handler } = partner(verifier);
    server.use(http.put(`${BASE}/orders/42`, handler));
    const client = createClient({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    expect(await client.put('orders/42', { json: { status: 'shipped' } }).json()).toEqual({ ok: true });
    expect(results).toEqual([
      expect.objectContaining({
        ok: true,
        components: expect.arrayContaining(['"content-digest"', '"content-type"']),
      }),
    ]);
  });
});
