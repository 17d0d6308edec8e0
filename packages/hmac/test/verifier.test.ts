import { authenticateRequest, ConfigError, secret } from '@attache/core';
import { describe, expect, it } from 'vitest';
import { encodeBytes } from '../src/encoding.ts';
import { type HmacAuthOptions, hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier, type HmacVerifierOptions } from '../src/hmac-verifier.ts';
import { createMemoryNonceStore } from '../src/nonce-store.ts';
import type { SignatureAlgorithm } from '../src/signature-algorithm.ts';
import { authContext } from './support/context.ts';

const SECRET = 'partner-shared-secret-0123456789';
const OLD_SECRET = 'the-secret-before-rotation-000000';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const URL_ = 'https://api.partner.test/v1/payments?currency=EUR&amount=100';
const BODY = '{"to":"ACME","amount":100}';

function payment(
  init: { method?: string; url?: string; body?: string; headers?: Record<string, string> } = {},
): Request {
  return new Request(init.url ?? URL_, {
    method: init.method ?? 'POST',
    body: init.body ?? BODY,
    headers: init.headers ?? { 'content-type': 'application/json', 'x-tenant': 'acme' },
  });
}

async function signed(request: Request, options: Partial<HmacAuthOptions> = {}, now = NOW): Promise<Request> {
  const auth = hmacAuth({ keyId: 'client-42', key: SECRET, ...options } as HmacAuthOptions);
  return authenticateRequest(auth, request, authContext({ now }));
}

function verifier(options: Partial<HmacVerifierOptions> = {}, now = NOW) {
  return createHmacVerifier({
    keys: { 'client-42': SECRET },
    now: () => now,
    ...options,
  } as HmacVerifierOptions);
}

/** A copy of a signed request with some parts replaced, keeping every header the signer set. */
function tampered(
  original: Request,
  patch: { method?: string; url?: string; body?: string; headers?: Record<string, string> },
) {
  return original
    .clone()
    .text()
    .then((body) => {
      const headers = new Headers(original.headers);
      for (const [name, value] of Object.entries(patch.headers ?? {})) headers.set(name, value);
      const method = patch.method ?? original.method;
      return new Request(patch.url ?? original.url, {
        method,
        headers,
        ...(method === 'GET' ? {} : { body: patch.body ?? body }),
      });
    });
}

describe('createHmacVerifier, rfc9421', () => {
  it('accepts a request hmacAuth signed, and says who signed it and what it covers', async () => {
    const result = await verifier().verify(await signed(payment()));
    expect(result).toEqual({
      ok: true,
      scheme: 'rfc9421',
      keyId: 'client-42',
      algorithm: 'hmac-sha256',
      created: NOW / 1000,
      nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
      label: 'sig1',
      components: ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'],
    });
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { url: 'https://api.partner.test/v1/refunds?currency=EUR&amount=100' }],
    ['query', { url: 'https://api.partner.test/v1/payments?currency=EUR&amount=900' }],
    ['authority', { url: 'https://evil.partner.test/v1/payments?currency=EUR&amount=100' }],
    ['covered header', { headers: { 'content-type': 'text/plain' } }],
  ] as const)('rejects a changed %s as signature-mismatch', async (_part, patch) => {
    const original = await signed(payment());
    const result = await verifier().verify(await tampered(original, patch));
    expect(result).toMatchObject({ ok: false, reason: 'signature-mismatch', keyId: 'client-42' });
  });

  it('rejects a changed body as digest-mismatch, and a changed body with a recomputed digest as signature-mismatch', async () => {
    const original = await signed(payment());
    const changed = await tampered(original, { body: BODY.replace('100', '900') });
    expect(await verifier().verify(changed)).toMatchObject({ ok: false, reason: 'digest-mismatch' });
    const { contentDigest } = await import('../src/content-digest.ts');
    const redigested = await tampered(original, {
      body: BODY.replace('100', '900'),
      headers: { 'content-digest': await contentDigest(BODY.replace('100', '900')) },
    });
    expect(await verifier().verify(redigested)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('ignores changes to what the signature does not cover', async () => {
    const original = await signed(payment());
    const result = await verifier().verify(await tampered(original, { headers: { 'x-tenant': 'other' } }));
    expect(result.ok).toBe(true);
  });

  it('rejects an unknown key id as unknown-key, and a key id with the wrong key as signature-mismatch', async () => {
    const request = await signed(payment());
    expect(await verifier({ keys: { 'client-7': SECRET } }).verify(request.clone())).toMatchObject({
      ok: false,
      reason: 'unknown-key',
      keyId: 'client-42',
    });
    expect(await verifier({ keys: { 'client-42': OLD_SECRET } }).verify(request)).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  it('accepts a rotated key: several keys under one key id are each tried', async () => {
    const rotating = verifier({ keys: { 'client-42': [secret(SECRET), secret(OLD_SECRET)] } });
    expect(await rotating.verify(await signed(payment(), { key: OLD_SECRET }))).toMatchObject({ ok: true });
    expect(await rotating.verify(await signed(payment(), { key: SECRET }))).toMatchObject({ ok: true });
    expect(
      await rotating.verify(await signed(payment(), { key: 'a-third-secret-that-is-not-known' })),
    ).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  it('looks keys up through a function', async () => {
    const seen: string[] = [];
    const lookup = createHmacVerifier({
      keys: async (keyId) => {
        seen.push(keyId);
        return keyId === 'client-42' ? [SECRET] : undefined;
      },
      now: () => NOW,
    });
    expect(await lookup.verify(await signed(payment()))).toMatchObject({ ok: true });
    expect(await lookup.verify(await signed(payment(), { keyId: 'client-9' }))).toMatchObject({
      reason: 'unknown-key',
    });
    expect(seen).toEqual(['client-42', 'client-9']);
  });

  it('accepts a signature up to the tolerance old and rejects an older one as expired', async () => {
    const request = await signed(payment());
    expect(await verifier({ nonceStore: false }, NOW + 300_000).verify(request.clone())).toMatchObject({
      ok: true,
    });
    expect(await verifier({ nonceStore: false }, NOW + 301_000).verify(request.clone())).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    expect(await verifier({ nonceStore: false, tolerance: 30 }, NOW + 31_000).verify(request)).toMatchObject({
      reason: 'expired',
    });
  });

  it('rejects a signature past its expires parameter as expired', async () => {
    const request = await signed(payment(), { expiresIn: 10 });
    expect(await verifier({}, NOW + 11_000).verify(request)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('rejects a created too far in the future as future-timestamp', async () => {
    const request = await signed(payment(), {}, NOW + 301_000);
    expect(await verifier().verify(request)).toMatchObject({ ok: false, reason: 'future-timestamp' });
    expect(await verifier().verify(await signed(payment(), {}, NOW + 299_000))).toMatchObject({ ok: true });
  });

  it('rejects a replayed nonce, and of concurrent replays accepts exactly one', async () => {
    const check = verifier();
    const request = await signed(payment());
    expect(await check.verify(request.clone())).toMatchObject({ ok: true });
    expect(await check.verify(request.clone())).toMatchObject({ ok: false, reason: 'replayed-nonce' });

    const fresh = await signed(payment());
    const results = await Promise.all(Array.from({ length: 20 }, () => check.verify(fresh.clone())));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'replayed-nonce')).toHaveLength(19);
  });

  it('rejects a missing nonce unless replay protection is off', async () => {
    const request = await signed(payment(), { nonce: false });
    expect(await verifier().verify(request.clone())).toMatchObject({ ok: false, reason: 'missing-nonce' });
    expect(await verifier({ nonceStore: false }).verify(request)).toMatchObject({
      ok: true,
      nonce: undefined,
    });
    const empty = await signed(payment(), { nonce: () => 'x' });
    const input = empty.headers.get('signature-input')!.replace('nonce="x"', 'nonce=""');
    expect(
      await verifier().verify(await tampered(empty, { headers: { 'signature-input': input } })),
    ).toMatchObject({
      reason: 'missing-nonce',
    });
  });

  it('shares a nonce store between verifiers', async () => {
    const nonceStore = createMemoryNonceStore({ now: () => NOW });
    const request = await signed(payment());
    expect(await verifier({ nonceStore }).verify(request.clone())).toMatchObject({ ok: true });
    expect(await verifier({ nonceStore }).verify(request)).toMatchObject({ reason: 'replayed-nonce' });
  });

  it('rejects a signature that does not cover a required component as uncovered-component', async () => {
    const request = await signed(payment(), { components: ['@method', '@path', 'content-digest'] });
    expect(await verifier().verify(request.clone())).toMatchObject({
      ok: false,
      reason: 'uncovered-component',
      message: 'the signature does not cover "@authority"',
    });
    const strict = verifier({ requiredComponents: ['@method', '@target-uri', 'x-tenant'] });
    expect(await strict.verify(await signed(payment()))).toMatchObject({ reason: 'uncovered-component' });
    const noBody = await signed(payment(), { components: ['@method', '@target-uri'] });
    expect(await verifier().verify(noBody.clone())).toMatchObject({
      reason: 'uncovered-component',
      message: 'the signature does not cover "content-digest"',
    });
    expect(await verifier({ requireContentDigest: false }).verify(noBody)).toMatchObject({ ok: true });
  });

  it('rejects an alg that no key of the key id uses as unsupported-algorithm', async () => {
    const { publicKey, privateKey } = (await crypto.subtle.generateKey('Ed25519', false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const request = await signed(payment(), { key: privateKey, algorithm: 'ed25519' });
    expect(await verifier().verify(request.clone())).toMatchObject({
      ok: false,
      reason: 'unsupported-algorithm',
    });
    const both = verifier({ keys: { 'client-42': [SECRET, { key: publicKey, algorithm: 'ed25519' }] } });
    expect(await both.verify(request)).toMatchObject({ ok: true, algorithm: 'ed25519' });
    const unknown = await tampered(await signed(payment()), {});
    const input = unknown.headers.get('signature-input')!.replace('alg="hmac-sha256"', 'alg="hmac-md5"');
    expect(
      await verifier().verify(await tampered(unknown, { headers: { 'signature-input': input } })),
    ).toMatchObject({
      reason: 'unsupported-algorithm',
    });
  });

  it('reports a request without signature headers as missing-signature', async () => {
    expect(await verifier().verify(payment())).toMatchObject({ ok: false, reason: 'missing-signature' });
    const request = await signed(payment());
    expect(await verifier({ label: 'other' }).verify(request)).toMatchObject({
      reason: 'missing-signature',
      message: 'no signature labelled "other"',
    });
  });

  it.each([
    ['unparseable Signature-Input', { 'signature-input': 'sig1=("@method"' }],
    ['unparseable Signature', { signature: 'sig1=:not base64!:' }],
    ['a Signature that is not a byte sequence', { signature: 'sig1="abc"' }],
    ['a non-integer created', { 'signature-input': 'sig1=("@method");created="now";keyid="client-42"' }],
    ['no keyid', { 'signature-input': 'sig1=("@method");created=1' }],
    [
      'a covered component that is not in the request',
      { 'signature-input': 'sig1=("x-missing");created=1;keyid="client-42"' },
    ],
  ])('reports %s as malformed-signature', async (_name, headers) => {
    const request = await tampered(await signed(payment()), { headers });
    const result = await createHmacVerifier({
      keys: { 'client-42': SECRET },
      now: () => 1000,
      nonceStore: false,
      requiredComponents: [],
      requireContentDigest: false,
    }).verify(request);
    expect(result).toMatchObject({ ok: false, reason: 'malformed-signature' });
  });

  it('never puts a secret or a signature value in a rejection message', async () => {
    const request = await signed(payment());
    const signature = request.headers.get('signature')!.slice(6, -1);
    const results = await Promise.all([
      verifier({ keys: { 'client-42': OLD_SECRET } }).verify(request.clone()),
      verifier({}, NOW + 999_000).verify(request.clone()),
      verifier().verify(await tampered(request, { body: 'x' })),
    ]);
    for (const result of results) {
      expect(result.ok).toBe(false);
      const text = JSON.stringify(result);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(OLD_SECRET);
      expect(text).not.toContain(signature);
    }
  });

  it('verifies a body the caller already read, passed as options.body', async () => {
    const request = await signed(payment());
    const body = await request.text();
    expect(await verifier().verify(request, { body })).toMatchObject({ ok: true });
    await expect(verifier().verify(request)).rejects.toThrow(/already read/);
  });

  it('leaves the request body readable for the application', async () => {
    const request = await signed(payment());
    expect(await verifier().verify(request)).toMatchObject({ ok: true });
    expect(await request.text()).toBe(BODY);
  });
});

describe('createHmacVerifier, asymmetric algorithms', () => {
  const params: Record<string, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm> = {
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

  for (const [algorithm, generate] of Object.entries(params) as [SignatureAlgorithm, Algorithm][]) {
    it(`${algorithm}: signs with a CryptoKey or JWK, verifies with a CryptoKey, a JWK or an SPKI PEM`, async () => {
      const pair = (await crypto.subtle.generateKey(generate, true, ['sign', 'verify'])) as CryptoKeyPair;
      const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
      const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
      const pem = `-----BEGIN PUBLIC KEY-----\n${encodeBytes(spki, 'base64')}\n-----END PUBLIC KEY-----`;
      for (const signingKey of [pair.privateKey, privateJwk]) {
        const request = await signed(payment(), { key: signingKey, algorithm });
        for (const verifyKey of [pair.publicKey, privateJwk, pem]) {
          const result = await verifier({
            keys: { 'client-42': { key: verifyKey, algorithm } },
            nonceStore: false,
          }).verify(request.clone());
          expect(result).toMatchObject({ ok: true, algorithm });
        }
        const wrong = await tampered(request, { method: 'PUT' });
        expect(
          await verifier({ keys: { 'client-42': { key: pair.publicKey, algorithm } } }).verify(wrong),
        ).toMatchObject({ ok: false, reason: 'signature-mismatch' });
      }
    });
  }
});

describe('createHmacVerifier, simple scheme', () => {
  const simple = { scheme: 'simple' as const, signedHeaders: ['x-tenant'] };
  const simpleVerifier = (options: Partial<HmacVerifierOptions> = {}, now = NOW) =>
    verifier({ ...simple, ...options }, now);

  it('accepts a request hmacAuth signed, whatever the order of its query parameters', async () => {
    const request = await signed(payment(), simple);
    const reordered = await tampered(request, {
      url: 'https://api.partner.test/v1/payments?amount=100&currency=EUR',
    });
    expect(await simpleVerifier().verify(reordered)).toEqual({
      ok: true,
      scheme: 'simple',
      keyId: 'client-42',
      algorithm: 'hmac-sha256',
      created: NOW / 1000,
      nonce: expect.any(String),
    });
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { url: 'https://api.partner.test/v1/refunds?currency=EUR&amount=100' }],
    ['query', { url: 'https://api.partner.test/v1/payments?currency=EUR&amount=900' }],
    ['signed header', { headers: { 'x-tenant': 'other' } }],
    ['body', { body: BODY.replace('100', '900') }],
    ['timestamp', { headers: { 'x-timestamp': String(NOW / 1000 + 1) } }],
    ['nonce', { headers: { 'x-nonce': 'another' } }],
  ] as const)('rejects a changed %s as signature-mismatch', async (_part, patch) => {
    const request = await signed(payment(), simple);
    expect(await simpleVerifier().verify(await tampered(request, patch))).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  it('rejects unknown keys, expired and future timestamps, replays and missing nonces', async () => {
    const request = await signed(payment(), simple);
    expect(await simpleVerifier({ keys: { other: SECRET } }).verify(request.clone())).toMatchObject({
      reason: 'unknown-key',
    });
    expect(await simpleVerifier({}, NOW + 301_000).verify(request.clone())).toMatchObject({
      reason: 'expired',
    });
    expect(await simpleVerifier({}, NOW - 301_000).verify(request.clone())).toMatchObject({
      reason: 'future-timestamp',
    });
    const once = simpleVerifier();
    expect(await once.verify(request.clone())).toMatchObject({ ok: true });
    expect(await once.verify(request.clone())).toMatchObject({ reason: 'replayed-nonce' });
    const noNonce = await signed(payment(), { ...simple, nonce: false });
    expect(await simpleVerifier().verify(noNonce.clone())).toMatchObject({ reason: 'missing-nonce' });
    const emptyNonce = await tampered(noNonce, { headers: { 'x-nonce': '' } });
    expect(await simpleVerifier().verify(emptyNonce)).toMatchObject({ reason: 'missing-nonce' });
  });

  it('reports missing and malformed headers with their own reasons', async () => {
    const request = await signed(payment(), simple);
    expect(await simpleVerifier().verify(payment())).toMatchObject({ reason: 'missing-signature' });
    const noTime = new Request(request.clone(), {
      headers: { 'x-signature': 'ab', 'x-key-id': 'client-42' },
    });
    expect(await simpleVerifier().verify(noTime)).toMatchObject({ reason: 'missing-timestamp' });
    expect(
      await simpleVerifier().verify(await tampered(request, { headers: { 'x-timestamp': 'yesterday' } })),
    ).toMatchObject({
      reason: 'malformed-signature',
    });
    expect(
      await simpleVerifier().verify(await tampered(request, { headers: { 'x-signature': 'not hex' } })),
    ).toMatchObject({
      reason: 'malformed-signature',
    });
  });

  it('verifies every encoding, timestamp format and HMAC hash the signer offers', async () => {
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      for (const timestampFormat of ['unix', 'unix-ms', 'iso8601'] as const) {
        for (const algorithm of ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const) {
          const settings = { scheme: 'simple' as const, encoding, timestampFormat };
          const request = await signed(payment(), { ...settings, algorithm });
          const result = await verifier({
            ...settings,
            keys: { 'client-42': { key: SECRET, algorithm } },
          }).verify(request);
          expect(result).toMatchObject({ ok: true, algorithm });
        }
      }
    }
  });
});

describe('createHmacVerifier options are checked at once', () => {
  it.each<[string, Partial<HmacVerifierOptions>, RegExp]>([
    ['no keys', { keys: undefined as never }, /keys must be/],
    ['an empty key table', { keys: {} }, /at least one key id/],
    ['an empty key list', { keys: { k: [] } }, /keys\["k"\] is empty/],
    ['an empty secret', { keys: { k: '' } }, /keys\["k"\]\[0\] must not be empty/],
    [
      'an algorithm the scheme lacks',
      { keys: { k: { key: SECRET, algorithm: 'hmac-sha512' } } },
      /keys\["k"\]\[0\].algorithm/,
    ],
    [
      'a private PEM to verify with',
      {
        keys: {
          k: { key: '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----', algorithm: 'ed25519' },
        },
      },
      /PUBLIC KEY/,
    ],
    ['a bad tolerance', { tolerance: 0 }, /tolerance/],
    ['a nonce store without claim', { nonceStore: {} as never }, /nonceStore/],
    [
      'requireNonce without a store',
      { nonceStore: false, requireNonce: true },
      /requireNonce needs a nonceStore/,
    ],
    ['a bad required component', { requiredComponents: ['@bogus'] }, /requiredComponents/],
    [
      'simple options under rfc9421',
      { signedHeaders: ['x'] },
      /signedHeaders applies to scheme 'simple' only/,
    ],
  ])('refuses %s with a ConfigError naming the field', (_name, patch, message) => {
    const options = { keys: { 'client-42': SECRET }, ...patch } as HmacVerifierOptions;
    expect(() => createHmacVerifier(options)).toThrow(ConfigError);
    expect(() => createHmacVerifier(options)).toThrow(message);
  });
});
