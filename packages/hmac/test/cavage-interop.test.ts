// draft-cavage HTTP Signatures against an independent implementation, http-message-signatures' `cavage` module
// (node:crypto based): it verifies what cavageSignatureAuth signs, and createCavageVerifier verifies what it
// signs, for every algorithm both support, on random requests.
import { createHash, createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { cavage, createSigner, createVerifier } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import { type CavageAlgorithm, cavageSignatureAuth } from '../src/cavage/cavage-auth.ts';
import { createCavageVerifier } from '../src/cavage/cavage-verifier.ts';
import { authContext } from './support/context.ts';

const SECRET = 'cavage-shared-secret-0123456789';

interface KeyCase {
  readonly algorithm: CavageAlgorithm;
  readonly theirs: { readonly sign: KeyObject | Buffer; readonly verify: KeyObject | Buffer };
  readonly ours: { readonly sign: JsonWebKey | string; readonly verify: string };
}

function keyCases(): KeyCase[] {
  const asymmetric = (
    algorithm: CavageAlgorithm,
    keys: { publicKey: KeyObject; privateKey: KeyObject },
  ): KeyCase => ({
    algorithm,
    theirs: { sign: keys.privateKey, verify: keys.publicKey },
    ours: {
      sign: keys.privateKey.export({ format: 'jwk' }) as JsonWebKey,
      verify: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    },
  });
  return [
    {
      algorithm: 'hmac-sha256',
      theirs: { sign: Buffer.from(SECRET), verify: Buffer.from(SECRET) },
      ours: { sign: SECRET, verify: SECRET },
    },
    asymmetric('rsa-v1_5-sha256', generateKeyPairSync('rsa', { modulusLength: 2048 })),
    asymmetric('rsa-pss-sha512', generateKeyPairSync('rsa', { modulusLength: 2048 })),
    asymmetric('ecdsa-p256-sha256', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    asymmetric('ed25519', generateKeyPairSync('ed25519')),
  ];
}

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path: fc.webPath(),
  query: fc.webQueryParameters(),
  contentType: fc.constantFrom('application/json', 'application/activity+json', 'text/plain; charset=utf-8'),
  body: fc.string({ unit: 'grapheme', maxLength: 80 }),
});

type Plain = { method: string; url: string; headers: Record<string, string> };

describe.each(keyCases())('draft-cavage interop, $algorithm', (key) => {
  it('http-message-signatures verifies what cavageSignatureAuth signs (50 random requests)', async () => {
    const auth = cavageSignatureAuth({ keyId: 'partner-key', key: key.ours.sign, algorithm: key.algorithm });
    const samples = fc.sample(request, { numRuns: 50, seed: 9 });
    for (const r of samples) {
      const url = new URL(
        `https://api.partner.test${r.path.startsWith('/') ? r.path : `/${r.path}`}${r.query ? `?${r.query}` : ''}`,
      );
      const hasBody = r.method === 'POST' || r.method === 'PUT';
      const draft = {
        method: r.method,
        url,
        headers: new Headers({ 'content-type': r.contentType }),
        body: hasBody ? new TextEncoder().encode(r.body) : undefined,
      };
      await auth.attach(draft, authContext({ now: Date.now() - 1000 }));
      const message: Plain = {
        method: r.method,
        url: url.href,
        headers: { host: url.host, ...Object.fromEntries(draft.headers) },
      };
      const lookups: string[] = [];
      const verified = await cavage.verifyMessage(
        {
          keyLookup: async (params) => {
            lookups.push(String(params.keyid));
            return {
              id: 'partner-key',
              algs: [key.algorithm],
              verify: createVerifier(key.theirs.verify, key.algorithm),
            };
          },
        },
        message,
      );
      expect(verified).toBe(true);
      expect(lookups).toEqual(['partner-key']);
      // Its `requiredFields` looks for the fields among the parameters, so coverage is checked here.
      expect(draft.headers.get('signature')).toContain(
        `headers="(request-target) (created) host${hasBody ? ' digest' : ''}"`,
      );
      if (hasBody) {
        expect(draft.headers.get('digest')).toBe(
          `SHA-256=${createHash('sha256').update(r.body).digest('base64')}`,
        );
      }
      // A changed target no longer verifies.
      const moved = await cavage.verifyMessage(
        {
          keyLookup: async () => ({
            id: 'partner-key',
            algs: [key.algorithm],
            verify: createVerifier(key.theirs.verify, key.algorithm),
          }),
        },
        { ...message, url: `${url.origin}/elsewhere` },
      );
      expect(moved).toBe(false);
    }
  });

  it('createCavageVerifier verifies what http-message-signatures signs (50 random requests)', async () => {
    const verifier = createCavageVerifier({
      keys: { 'their-key': { key: key.ours.verify, algorithm: key.algorithm } },
      requiredComponents: ['(request-target)', 'host'],
    });
    const samples = fc.sample(request, { numRuns: 50, seed: 10 });
    for (const r of samples) {
      const url = new URL(
        `https://api.partner.test${r.path.startsWith('/') ? r.path : `/${r.path}`}${r.query ? `?${r.query}` : ''}`,
      );
      const hasBody = r.method === 'POST' || r.method === 'PUT';
      const headers: Record<string, string> = { host: url.host, 'content-type': r.contentType };
      if (hasBody) headers.digest = `SHA-256=${createHash('sha256').update(r.body).digest('base64')}`;
      const signed = await cavage.signMessage(
        {
          key: createSigner(key.theirs.sign, key.algorithm, 'their-key'),
          fields: ['@request-target', '@created', 'host', 'content-type', ...(hasBody ? ['digest'] : [])],
          params: ['keyid', 'alg', 'created'],
        },
        { method: r.method, url: url.href, headers },
      );
      const incoming = new Request(url, {
        method: r.method,
        headers: signed.headers as Record<string, string>,
        ...(hasBody ? { body: r.body } : {}),
      });
      const result = await verifier.verify(incoming);
      expect(result).toMatchObject({ ok: true, keyId: 'their-key', algorithm: key.algorithm });
      // The same signature again is a replay; a changed body fails its digest.
      expect(await verifier.verify(incoming)).toMatchObject({ ok: false, reason: 'replayed-nonce' });
      if (hasBody) {
        const tampered = new Request(url, {
          method: r.method,
          headers: signed.headers as Record<string, string>,
          body: `${r.body}!`,
        });
        expect(await verifier.verify(tampered)).toMatchObject({ ok: false, reason: 'digest-mismatch' });
      }
    }
  });
});

describe('draft-cavage placement, date and rejections', () => {
  const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

  it('signs Authorization: Signature with a Date header for older verifiers', async () => {
    const auth = cavageSignatureAuth({
      keyId: 'k1',
      key: SECRET,
      components: ['(request-target)', 'host', 'date'],
      placement: 'authorization',
    });
    const draft = {
      method: 'GET',
      url: new URL('https://api.partner.test/inbox?page=2'),
      headers: new Headers(),
      body: undefined,
    };
    await auth.attach(draft, authContext({ now: NOW }));
    expect(draft.headers.get('date')).toBe('Mon, 07 Dec 2026 12:00:00 GMT');
    const expected = createHashHmac(
      `(request-target): get /inbox?page=2\nhost: api.partner.test\ndate: Mon, 07 Dec 2026 12:00:00 GMT`,
    );
    expect(draft.headers.get('authorization')).toBe(
      `Signature keyId="k1",algorithm="hmac-sha256",headers="(request-target) host date",signature="${expected}"`,
    );
    const verifier = createCavageVerifier({ keys: { k1: { key: SECRET } }, now: () => NOW + 299_000 });
    const request = new Request(draft.url, { headers: draft.headers });
    expect(await verifier.verify(request)).toMatchObject({ ok: true, created: NOW / 1000 });
    const late = createCavageVerifier({ keys: { k1: { key: SECRET } }, now: () => NOW + 301_000 });
    expect(await late.verify(request)).toMatchObject({ ok: false, reason: 'expired' });
    const strict = createCavageVerifier({
      keys: { k1: { key: SECRET } },
      requiredComponents: ['digest'],
      now: () => NOW,
    });
    expect(await strict.verify(request)).toMatchObject({ ok: false, reason: 'uncovered-component' });
    const other = createCavageVerifier({ keys: { k2: { key: SECRET } }, now: () => NOW });
    expect(await other.verify(request)).toMatchObject({ ok: false, reason: 'unknown-key', keyId: 'k1' });
    const wrong = createCavageVerifier({ keys: { k1: { key: 'another secret' } }, now: () => NOW });
    expect(await wrong.verify(request)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(await verifierFor(NOW).verify(new Request(draft.url))).toMatchObject({
      ok: false,
      reason: 'missing-signature',
    });
    expect(
      await verifierFor(NOW).verify(new Request(draft.url, { headers: { signature: 'keyId=k1,signature' } })),
    ).toMatchObject({ ok: false, reason: 'malformed-signature' });
  });

  it('refuses bad options, naming the field', () => {
    expect(() => cavageSignatureAuth({ keyId: 'a"b', key: SECRET })).toThrow(/keyId must be/);
    expect(() =>
      cavageSignatureAuth({ keyId: 'k', key: SECRET, algorithm: 'hmac-sha384' as CavageAlgorithm }),
    ).toThrow(/algorithm/);
    expect(() => cavageSignatureAuth({ keyId: 'k', key: SECRET, components: ['(expires)'] })).toThrow(
      /\(expires\) needs expiresIn/,
    );
    expect(() => cavageSignatureAuth({ keyId: 'k', key: SECRET, components: ['bad header'] })).toThrow(
      /components contains/,
    );
    expect(() => cavageSignatureAuth({ keyId: 'k', key: SECRET, placement: 'query' as 'signature' })).toThrow(
      /placement/,
    );
  });
});

function verifierFor(now: number) {
  return createCavageVerifier({ keys: { k1: { key: SECRET } }, now: () => now });
}

function createHashHmac(text: string): string {
  return createHmac('sha256', SECRET).update(text).digest('base64');
}
