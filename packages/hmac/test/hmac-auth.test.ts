import { createHash, createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { authenticateRequest, ConfigError, isAttacheError, secret } from '@attache/core';
import { describe, expect, it } from 'vitest';
import { type HmacAuthOptions, hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import { ED25519_PRIVATE_PEM, SHARED_SECRET_BASE64, VECTOR_NOW, VECTORS } from './fixtures/rfc9421.ts';
import { authContext, draft } from './support/context.ts';
import { rfcRequest } from './support/messages.ts';

const SECRET = 'partner-shared-secret-0123456789';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

async function sign(options: HmacAuthOptions, request: Request, context = authContext({ now: NOW })) {
  return authenticateRequest(hmacAuth(options), request, context);
}

describe('hmacAuth, rfc9421 scheme', () => {
  it("reproduces RFC 9421 B.2.5's Signature-Input and Signature exactly", async () => {
    const vector = VECTORS.find((v) => v.label === 'sig-b25')!;
    const signed = await sign(
      {
        keyId: 'test-shared-secret',
        key: SHARED_SECRET_BASE64,
        keyEncoding: 'base64',
        label: 'sig-b25',
        components: ['date', '@authority', 'content-type'],
        nonce: false,
        algParameter: false,
      },
      rfcRequest(),
      authContext({ now: VECTOR_NOW }),
    );
    expect(signed.headers.get('signature-input')).toBe(vector.signatureInput);
    expect(signed.headers.get('signature')).toBe(vector.signature);
  });

  it("reproduces RFC 9421 B.2.6's Ed25519 signature exactly from a PEM key", async () => {
    const vector = VECTORS.find((v) => v.label === 'sig-b26')!;
    const signed = await sign(
      {
        keyId: 'test-key-ed25519',
        key: secret(ED25519_PRIVATE_PEM),
        algorithm: 'ed25519',
        label: 'sig-b26',
        components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
        nonce: false,
        algParameter: false,
      },
      rfcRequest(),
      authContext({ now: VECTOR_NOW }),
    );
    expect(signed.headers.get('signature-input')).toBe(vector.signatureInput);
    expect(signed.headers.get('signature')).toBe(vector.signature);
  });

  it('covers method and target URI of a GET by default, with created, keyid, alg and nonce', async () => {
    const signed = await sign(
      { keyId: 'client-42', key: SECRET, nonce: () => 'n-1' },
      new Request('https://api.partner.test/orders?status=open'),
    );
    expect(signed.headers.get('signature-input')).toBe(
      `sig1=("@method" "@target-uri");created=${NOW / 1000};keyid="client-42";alg="hmac-sha256";nonce="n-1"`,
    );
    expect(signed.headers.get('signature')).toMatch(/^sig1=:[A-Za-z0-9+/]{43}=:$/);
    expect(signed.headers.has('content-digest')).toBe(false);
  });

  it('covers the body through Content-Digest, and the credentials other authenticators added', async () => {
    const body = JSON.stringify({ amount: 100 });
    const signed = await sign(
      { keyId: 'client-42', key: SECRET },
      new Request('https://api.partner.test/payments', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'idempotency-key': 'k-1' },
      }),
    );
    expect(signed.headers.get('signature-input')).toMatch(
      /^sig1=\("@method" "@target-uri" "content-digest" "content-type" "authorization" "idempotency-key"\);/,
    );
    const sha256 = createHash('sha256').update(body).digest('base64');
    expect(signed.headers.get('content-digest')).toBe(`sha-256=:${sha256}:`);
    expect(await signed.text()).toBe(body);
  });

  it('signs the bytes the pipeline passes in draft.body, and uses sha-512 when asked', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const signed = draft('https://api.partner.test/upload', { method: 'PUT', body: bytes });
    await hmacAuth({ keyId: 'k', key: SECRET, digestAlgorithm: 'sha-512' }).attach(
      signed,
      authContext({ now: NOW }),
    );
    const sha512 = createHash('sha512').update(bytes).digest('base64');
    expect(signed.headers.get('content-digest')).toBe(`sha-512=:${sha512}:`);
  });

  it("keeps a caller's correct Content-Digest and replaces a wrong one", async () => {
    const correct = await sign({ keyId: 'k', key: SECRET, components: ['content-digest'] }, rfcRequest());
    expect(correct.headers.get('content-digest')).toMatch(/^sha-512=:WZDPaVn/);
    const wrong = await sign(
      { keyId: 'k', key: SECRET, components: ['content-digest'] },
      rfcRequest({ 'content-digest': 'sha-256=:AAAA:' }),
    );
    expect(wrong.headers.get('content-digest')).toBe(
      'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    );
  });

  it('never mutates the incoming request', async () => {
    const request = new Request('https://api.partner.test/payments', { method: 'POST', body: 'x' });
    const before = [...request.headers];
    const signed = await sign({ keyId: 'k', key: SECRET }, request);
    expect(signed).not.toBe(request);
    expect([...request.headers]).toEqual(before);
    expect(await request.text()).toBe('x');
  });

  it('dates each signature by the corrected clock and gives each attempt a fresh nonce', async () => {
    const auth = hmacAuth({ keyId: 'k', key: SECRET });
    const request = new Request('https://api.partner.test/a');
    const first = await authenticateRequest(auth, request, authContext({ now: NOW, attempt: 1 }));
    const second = await authenticateRequest(
      auth,
      request,
      authContext({ now: NOW, offset: 90_000, attempt: 2 }),
    );
    const params = (r: Request) => r.headers.get('signature-input')!;
    expect(params(first)).toContain(`created=${NOW / 1000};`);
    expect(params(second)).toContain(`created=${NOW / 1000 + 90};`);
    const nonce = (r: Request) => /nonce="([^"]+)"/.exec(params(r))![1];
    expect(nonce(first)).toMatch(/^[0-9a-f]{32}$/);
    expect(nonce(first)).not.toBe(nonce(second));
  });

  it('adds expires and tag when configured, and keeps signatures with other labels', async () => {
    const signed = await sign(
      { keyId: 'k', key: SECRET, expiresIn: 60, tag: 'partner-api', label: 'attache', nonce: () => 'n' },
      new Request('https://api.partner.test/a', {
        headers: { 'signature-input': 'proxy=("@method");created=1', signature: 'proxy=:AAAA:' },
      }),
    );
    expect(signed.headers.get('signature-input')).toBe(
      `proxy=("@method");created=1, attache=("@method" "@target-uri");created=${NOW / 1000};expires=${NOW / 1000 + 60};keyid="k";alg="hmac-sha256";nonce="n";tag="partner-api"`,
    );
    expect(signed.headers.get('signature')).toMatch(/^proxy=:AAAA:, attache=:[^:]+:$/);
  });

  it('refuses a ReadableStream body it would have to cover, with an error that says why', async () => {
    const auth = hmacAuth({ keyId: 'k', key: SECRET });
    // The pipeline's draft of a ReadableStream body it could not read ahead.
    const streamed = draft('https://api.partner.test/a', { method: 'POST', body: null });
    const error = await Promise.resolve(auth.attach(streamed, authContext())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/ReadableStream/);
  });

  it('refuses to sign when a configured component is absent from the request', async () => {
    const error = await sign(
      { keyId: 'k', key: SECRET, components: ['@method', 'x-tenant'] },
      new Request('https://api.partner.test/a?token=abc'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('header "x-tenant" is absent');
    expect((error as Error).message).not.toContain('token=abc');
  });

  it('declares itself a signer and marks its signature header sensitive', () => {
    const auth = hmacAuth({ keyId: 'k', key: SECRET });
    expect(auth).toMatchObject({ name: 'hmac', signer: true, sensitiveHeaders: ['signature'] });
    const simple = hmacAuth({ scheme: 'simple', keyId: 'k', key: SECRET, headers: { signature: 'X-Sig' } });
    expect(simple.sensitiveHeaders).toEqual(['X-Sig']);
  });
});

describe('hmacAuth, simple scheme', () => {
  const request = () =>
    new Request('https://api.partner.test/v1/orders?b=2&a=hello world&a=1&c=x%2By', {
      method: 'POST',
      body: '{"sku":"A-1"}',
      headers: { 'x-tenant': '  acme   corp  ', 'content-type': 'application/json' },
    });

  it('signs METHOD, path with canonical query, timestamp, nonce and body digest', async () => {
    const signed = await sign(
      { scheme: 'simple', keyId: 'client-42', key: SECRET, nonce: () => 'nonce-1' },
      request(),
    );
    const bodyDigest = createHash('sha256').update('{"sku":"A-1"}').digest('hex');
    const expected = [
      'POST',
      '/v1/orders?a=1&a=hello%20world&b=2&c=x%2By',
      String(NOW / 1000),
      'nonce-1',
      bodyDigest,
    ].join('\n');
    expect(signed.headers.get('x-key-id')).toBe('client-42');
    expect(signed.headers.get('x-timestamp')).toBe(String(NOW / 1000));
    expect(signed.headers.get('x-nonce')).toBe('nonce-1');
    expect(signed.headers.get('x-signature')).toBe(
      createHmac('sha256', SECRET).update(expected).digest('hex'),
    );
  });

  it.each([
    ['base64', 'base64'],
    ['base64url', 'base64url'],
  ] as const)('writes the signature and the body digest in %s', async (encoding, nodeEncoding) => {
    const signed = await sign(
      { scheme: 'simple', keyId: 'k', key: SECRET, nonce: () => 'n', encoding, algorithm: 'hmac-sha512' },
      request(),
    );
    const bodyDigest = createHash('sha256').update('{"sku":"A-1"}').digest(nodeEncoding);
    const expected = `POST\n/v1/orders?a=1&a=hello%20world&b=2&c=x%2By\n${NOW / 1000}\nn\n${bodyDigest}`;
    expect(signed.headers.get('x-signature')).toBe(
      createHmac('sha512', SECRET).update(expected).digest(nodeEncoding),
    );
  });

  it('uses configured header names, timestamp format and signed headers (canonicalized)', async () => {
    const signed = await sign(
      {
        scheme: 'simple',
        keyId: 'k',
        key: SECRET,
        nonce: () => 'n',
        headers: {
          keyId: 'X-Partner-Key',
          timestamp: 'X-Partner-Time',
          nonce: 'X-Partner-Nonce',
          signature: 'X-Partner-Sig',
        },
        timestampFormat: 'iso8601',
        signedHeaders: ['X-Tenant', 'Content-Type'],
      },
      request(),
    );
    const time = '2026-11-22T12:00:00Z';
    expect(signed.headers.get('x-partner-time')).toBe(time);
    const bodyDigest = createHash('sha256').update('{"sku":"A-1"}').digest('hex');
    const expected = `POST\n/v1/orders?a=1&a=hello%20world&b=2&c=x%2By\n${time}\nn\n${bodyDigest}\nx-tenant:acme corp\ncontent-type:application/json`;
    expect(signed.headers.get('x-partner-sig')).toBe(
      createHmac('sha256', SECRET).update(expected).digest('hex'),
    );
  });

  it('signs the digest of zero bytes for a request without a body, and a path without "?" for no query', async () => {
    const signed = await sign(
      { scheme: 'simple', keyId: 'k', key: SECRET, nonce: () => 'n', timestampFormat: 'unix-ms' },
      new Request('https://api.partner.test/ping'),
    );
    const expected = `GET\n/ping\n${NOW}\nn\n${createHash('sha256').update('').digest('hex')}`;
    expect(signed.headers.get('x-signature')).toBe(
      createHmac('sha256', SECRET).update(expected).digest('hex'),
    );
  });
});

describe('hmacAuth challenge: one replay after the clock is corrected', () => {
  it('asks for a replay when the learned offset moved since signing, and not otherwise', async () => {
    const auth = hmacAuth({ keyId: 'k', key: SECRET });
    // One call: the pipeline hands every attempt and the challenge the call's signal.
    const call = authContext({ now: NOW });
    const signed = draft('https://api.partner.test/a');
    await auth.attach(signed, call);
    expect(signed.headers.get('signature')).toMatch(/^sig1=:/);
    const response = new Response(null, { status: 401 });
    const corrected = {
      ...authContext({ now: NOW, offset: 600_000 }),
      signal: call.signal,
      challenges: [],
    };
    const unchanged = { ...authContext({ now: NOW, offset: 1_000 }), signal: call.signal, challenges: [] };
    expect(await auth.challenge!(response, signed, corrected)).toBe('replay');
    expect(await auth.challenge!(response, signed, unchanged)).toBe('fail');
    // Another call, which this signer never signed for.
    const otherCall = { ...authContext({ now: NOW, offset: 600_000 }), challenges: [] };
    expect(await auth.challenge!(response, signed, otherCall)).toBe('fail');
  });
});

describe('hmacAuth options are checked at once', () => {
  it.each<[string, Partial<HmacAuthOptions>, RegExp]>([
    ['no keyId', { keyId: '' }, /keyId/],
    ['a keyId with a newline', { keyId: 'a\nb' }, /keyId/],
    ['no key', { key: undefined as never }, /key is required/],
    ['an empty key', { key: '' }, /key must not be empty/],
    ['a key not in its encoding', { key: 'zz', keyEncoding: 'hex' }, /not valid hex/],
    ['an unknown algorithm', { algorithm: 'hmac-md5' as never }, /algorithm must be one of/],
    ['hmac-sha512 under rfc9421', { algorithm: 'hmac-sha512' }, /algorithm must be one of/],
    [
      'raw bytes for ed25519',
      { algorithm: 'ed25519', key: new Uint8Array(32) },
      /raw bytes are only accepted for HMAC/,
    ],
    [
      'a public PEM to sign with',
      { algorithm: 'ed25519', key: '-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----' },
      /PRIVATE KEY/,
    ],
    ['an unknown scheme', { scheme: 'aws' as never }, /scheme/],
    ['a bad label', { label: 'Sig 1' }, /label/],
    ['an unknown component', { components: ['@nope'] }, /unknown derived component/],
    ['an upper-case field', { components: ['Content-Type'] }, /lower-case/],
    ['a bad expiresIn', { expiresIn: -1 }, /expiresIn/],
    ['a bad digest algorithm', { digestAlgorithm: 'md5' as never }, /digestAlgorithm/],
    ['simple options under rfc9421', { encoding: 'hex' }, /encoding applies to scheme 'simple' only/],
    [
      'rfc9421 options under simple',
      { scheme: 'simple', components: ['@method'] },
      /components applies to scheme 'rfc9421' only/,
    ],
    ['a bad simple header name', { scheme: 'simple', headers: { nonce: 'x nonce' } }, /headers.nonce/],
    ['a bad encoding', { scheme: 'simple', encoding: 'base32' as never }, /encoding/],
  ])('refuses %s with a ConfigError naming the field', (_name, patch, message) => {
    const options = { keyId: 'k', key: SECRET, ...patch } as HmacAuthOptions;
    expect(() => hmacAuth(options)).toThrow(ConfigError);
    expect(() => hmacAuth(options)).toThrow(message);
  });

  it('never puts the key in an error message', () => {
    const key = secret('not-hex-but-secret');
    let caught: unknown;
    try {
      hmacAuth({ keyId: 'k', key, keyEncoding: 'hex' });
    } catch (error) {
      caught = error;
    }
    expect(isAttacheError(caught)).toBe(true);
    for (const text of [
      (caught as Error).message,
      (caught as Error).stack ?? '',
      JSON.stringify(caught),
      inspect(caught),
    ]) {
      expect(text).not.toContain('not-hex-but-secret');
    }
  });

  it('signs with keys given as bytes, a Secret, or a CryptoKey, all alike', async () => {
    const bytes = new TextEncoder().encode(SECRET);
    const cryptoKey = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const signatures = await Promise.all(
      [SECRET, secret(SECRET), bytes, cryptoKey].map(async (key) => {
        const signed = await sign(
          { keyId: 'k', key, nonce: () => 'n' },
          new Request('https://api.partner.test/a'),
        );
        return signed.headers.get('signature');
      }),
    );
    expect(new Set(signatures).size).toBe(1);
    const verifier = createHmacVerifier({ keys: { k: SECRET }, now: () => NOW });
    const signed = await sign({ keyId: 'k', key: cryptoKey }, new Request('https://api.partner.test/a'));
    expect(await verifier.verify(signed)).toMatchObject({ ok: true, keyId: 'k' });
  });
});
