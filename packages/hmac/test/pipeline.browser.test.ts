// hmacAuth and createHmacVerifier in real Chromium: WebCrypto for every algorithm, the pipeline's retries and
// clock correction. The partner is an in-page transport that verifies each request.
import { createFetch, type Transport } from '@attache/core';
import { describe, expect, it } from 'vitest';
import { type HmacAuthOptions, hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier, type HmacVerifier } from '../src/hmac-verifier.ts';
import type { SignatureAlgorithm } from '../src/signature-algorithm.ts';
import type { HmacVerifyResult } from '../src/verify-result.ts';
import { requestOf } from './support/context.ts';

const BASE = 'https://api.partner.test';
const SECRET = 'browser-shared-secret-0123456789';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

function partner(verifier: HmacVerifier, statuses: number[] = [200], serverNow = NOW) {
  const results: HmacVerifyResult[] = [];
  let i = 0;
  const transport: Transport = async (outgoing) => {
    const result = await verifier.verify(requestOf(outgoing));
    results.push(result);
    const headers = { date: new Date(serverNow).toUTCString() };
    if (!result.ok) return new Response(result.reason, { status: 401, headers });
    return new Response('{}', { status: statuses[Math.min(i++, statuses.length - 1)]!, headers });
  };
  return { results, transport };
}

const generation: Record<string, Algorithm | RsaHashedKeyGenParams | EcKeyGenParams> = {
  ed25519: { name: 'Ed25519' },
  'ecdsa-p256-sha256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ecdsa-p384-sha384': { name: 'ECDSA', namedCurve: 'P-384' },
  'rsa-pss-sha512': {
    name: 'RSA-PSS',
    hash: 'SHA-512',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
  },
  'rsa-v1_5-sha256': {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
  },
};

describe('in Chromium', () => {
  it('runs in a browser', () => {
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('signs a POST with HMAC-SHA256 through createFetch, verified by createHmacVerifier', async () => {
    const { results, transport } = partner(createHmacVerifier({ keys: { k: SECRET }, now: () => NOW }));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'k', key: SECRET }),
      transport,
      now: () => NOW,
    });
    const response = await fetch('payments', {
      method: 'POST',
      body: JSON.stringify({ amount: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(results).toEqual([
      expect.objectContaining({
        ok: true,
        components: ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'],
      }),
    ]);
  });

  for (const [algorithm, params] of Object.entries(generation) as [SignatureAlgorithm, Algorithm][]) {
    it(`signs and verifies with ${algorithm} keys made by the browser's WebCrypto`, async () => {
      const pair = (await crypto.subtle.generateKey(params, false, ['sign', 'verify'])) as CryptoKeyPair;
      const verifier = createHmacVerifier({
        keys: { k: { key: pair.publicKey, algorithm } },
        now: () => NOW,
      });
      const { results, transport } = partner(verifier);
      const fetch = createFetch({
        baseUrl: BASE,
        auth: hmacAuth({ keyId: 'k', key: pair.privateKey, algorithm }),
        transport,
        now: () => NOW,
      });
      expect((await fetch('orders', { method: 'PUT', body: 'x' })).status).toBe(200);
      expect(results).toEqual([expect.objectContaining({ ok: true, algorithm })]);
    });
  }

  it.each<[string, Partial<HmacAuthOptions>]>([
    ['rfc9421', {}],
    ['simple', { scheme: 'simple' }],
  ])('%s: re-signs each retry with a fresh nonce that passes replay protection', async (_name, options) => {
    const verifier = createHmacVerifier({
      keys: { k: SECRET },
      now: () => NOW,
      ...(options.scheme ? { scheme: options.scheme } : {}),
    });
    const { results, transport } = partner(verifier, [503, 503, 200]);
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'k', key: SECRET, ...options } as HmacAuthOptions),
      transport,
      now: () => NOW,
      random: () => 0,
    });
    expect((await fetch('orders?page=2')).status).toBe(200);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(new Set(results.map((r) => (r.ok ? r.nonce : ''))).size).toBe(3);
  });

  it("corrects a skewed clock from the server's Date after one rejection", async () => {
    const { results, transport } = partner(createHmacVerifier({ keys: { k: SECRET }, now: () => NOW }));
    const fetch = createFetch({
      baseUrl: BASE,
      auth: hmacAuth({ keyId: 'k', key: SECRET }),
      transport,
      now: () => NOW - 900_000,
    });
    expect((await fetch('balance')).status).toBe(200);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['expired', 'ok']);
  });
});
