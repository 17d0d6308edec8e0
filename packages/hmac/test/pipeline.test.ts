// hmacAuth inside the real pipeline (createFetch / createClient), against a mock partner API that verifies
// every request with createHmacVerifier (replay protection included).
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
import { mockPartnerApi } from '@attache/testing';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier, type HmacVerifierOptions } from '../src/hmac-verifier.ts';
import type { HmacVerified } from '../src/verify-result.ts';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const SECRET = 'pipeline-shared-secret-0123456789';
// Whole seconds, so a `Date` header (one-second resolution) can express the server's time exactly.
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

const server = useMswServer();

/**
 * A partner route (`* path`) behind the HMAC guard, on a clock (and `Date` header) at `serverNow`: it answers
 * the requests the verifier accepts with `statuses` in turn and keeps them and their verified signatures.
 */
function partner(path: string, hmac: HmacVerifierOptions, statuses: number[] = [200], serverNow = NOW) {
  const signatures: HmacVerified[] = [];
  const requests: Request[] = [];
  let i = 0;
  const api = mockPartnerApi({
    baseUrl: BASE,
    now: () => serverNow,
    guards: { hmac },
    routes: {
      [`* ${path}`]: ({ request, principal }) => {
        requests.push(request.clone());
        if (principal.signature !== undefined) signatures.push(principal.signature);
        const status = statuses[Math.min(i++, statuses.length - 1)]!;
        return Response.json({ ok: status === 200 }, { status });
      },
    },
  });
  server.use(...api.handlers);
  return { api, signatures, requests };
}

/** What the verifier said of each request: `ok`, or why it refused it. */
const verdicts = (api: ReturnType<typeof partner>['api']) =>
  api.requests.map((r) => (r.outcome === 'accepted' ? 'ok' : r.reason));

describe('hmacAuth in createFetch', () => {
  it('re-signs a retried request with a fresh nonce, and both attempts pass a verifier with replay protection', async () => {
    const { api, signatures, requests } = partner('/payments', { keys: { 'client-42': SECRET } }, [503, 200]);
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
    expect(verdicts(api)).toEqual(['ok', 'ok']);
    expect(new Set(signatures.map((s) => s.nonce)).size).toBe(2);
    expect(signatures[0]).toMatchObject({
      components: expect.arrayContaining(['"content-digest"', '"idempotency-key"']),
    });
    // The first attempt, captured and sent again, is a replay.
    expect((await globalThis.fetch(requests[0]!)).status).toBe(401);
    expect(verdicts(api)).toEqual(['ok', 'ok', 'replayed-nonce']);
  });

  it('does the same for the simple scheme', async () => {
    const { api, signatures } = partner(
      '/orders',
      { scheme: 'simple', keys: { 'client-42': SECRET } },
      [502, 503, 200],
    );
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ scheme: 'simple', keyId: 'client-42', key: SECRET }),
      now: () => NOW,
      random: () => 0,
    });
    expect((await fetch('orders?status=open')).status).toBe(200);
    expect(verdicts(api)).toEqual(['ok', 'ok', 'ok']);
    expect(new Set(signatures.map((s) => s.nonce)).size).toBe(3);
  });

  it.each([
    ['behind', -600_000, 'expired'],
    ['ahead of', 600_000, 'future-timestamp'],
  ] as const)(
    'corrects its clock after one rejection when it runs 10 minutes %s the server',
    async (_where, skew, firstReason) => {
      const serverNow = NOW;
      const { api, signatures } = partner('/balance', { keys: { 'client-42': SECRET } }, [200], serverNow);
      const events: AttacheEvent[] = [];
      const fetch = createFetch({
        baseUrl: BASE,
        auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
        now: () => serverNow + skew,
        onEvent: (event) => events.push(event),
      });

      const response = await fetch('balance');

      expect(response.status).toBe(200);
      expect(verdicts(api)).toEqual([firstReason, 'ok']);
      expect(signatures[0]).toMatchObject({ created: serverNow / 1000 });
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'challenge:handled', authenticator: 'hmac', outcome: 'replay' }),
      );
    },
  );

  it('does not replay a 401 when the clock did not move: the rejection is final', async () => {
    const { api } = partner('/balance', { keys: { 'client-42': 'a-different-secret-000000000000' } });
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    expect((await fetch('balance')).status).toBe(401);
    expect(verdicts(api)).toEqual(['signature-mismatch']);
  });

  it('signs 25 concurrent calls with 25 distinct nonces, all accepted', async () => {
    const { api, signatures } = partner('/events', { keys: { 'client-42': SECRET } });
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });

    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => fetch('events', { method: 'POST', body: JSON.stringify({ i }) })),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(25).fill(200));
    expect(verdicts(api)).toEqual(Array(25).fill('ok'));
    expect(new Set(signatures.map((s) => s.nonce)).size).toBe(25);
  });

  it('signs last and covers the bearer token another authenticator added (hybrid scheme)', async () => {
    const { signatures, requests } = partner('/me', {
      keys: { 'client-42': SECRET },
      requiredComponents: ['@method', '@target-uri', 'authorization'],
    });
    const fetch = createFetch({
      baseUrl: BASE,
      auth: [hmacAuth({ keyId: 'client-42', key: SECRET }), bearerAuth({ token: secret('token-1') })],
      now: () => NOW,
    });
    expect((await fetch('me')).status).toBe(200);
    expect(signatures).toEqual([
      expect.objectContaining({ components: ['"@method"', '"@target-uri"', '"authorization"'] }),
    ]);
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
    const { api, signatures } = partner('/jobs/7', { keys: { 'client-42': SECRET } });
    server.use(
      http.post(
        `${BASE}/jobs`,
        () => new HttpResponse(null, { status: 303, headers: { location: `${BASE}/jobs/7` } }),
      ),
    );
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    expect((await fetch('jobs', { method: 'POST', body: '{"run":true}' })).status).toBe(200);
    expect(verdicts(api)).toEqual(['ok']);
    expect(signatures).toEqual([expect.objectContaining({ components: ['"@method"', '"@target-uri"'] })]);
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
    const { api, signatures } = partner('/orders/42', { keys: { 'client-42': SECRET } });
    const client = createClient({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'client-42', key: SECRET }),
      now: () => NOW,
    });
    expect(await client.put('orders/42', { json: { status: 'shipped' } }).json()).toEqual({ ok: true });
    expect(verdicts(api)).toEqual(['ok']);
    expect(signatures).toEqual([
      expect.objectContaining({ components: expect.arrayContaining(['"content-digest"', '"content-type"']) }),
    ]);
  });
});
