// Interoperability with an independent RFC 9421 implementation, the `http-message-signatures` package
// (Node crypto based): it verifies what hmacAuth signs, and createHmacVerifier verifies what it signs.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { authenticateRequest } from '@attache/core';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import { contentDigest } from '../src/content-digest.ts';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import type { SignatureAlgorithm } from '../src/signature-algorithm.ts';
import { authContext } from './support/context.ts';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const URL_ = 'https://api.partner.test/v1/orders/42?expand=items&currency=EUR';
const BODY = JSON.stringify({ status: 'shipped', items: [1, 2, 3] });
const SECRET = 'interop-shared-secret-0123456789';

interface KeyCase {
  readonly algorithm: SignatureAlgorithm;
  readonly theirs: { readonly sign: KeyObject | Buffer; readonly verify: KeyObject | Buffer };
  readonly ours: {
    readonly sign: CryptoKey | JsonWebKey | string;
    readonly verify: CryptoKey | JsonWebKey | string;
  };
}

function keyCases(): KeyCase[] {
  const pair = (type: 'ed25519' | 'ec' | 'rsa' | 'rsa-pss', options: object = {}) =>
    generateKeyPairSync(type as 'ed25519', options as never) as unknown as {
      publicKey: KeyObject;
      privateKey: KeyObject;
    };
  const asymmetric = (
    algorithm: SignatureAlgorithm,
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
    asymmetric('ed25519', pair('ed25519')),
    asymmetric('ecdsa-p256-sha256', pair('ec', { namedCurve: 'P-256' })),
    asymmetric('ecdsa-p384-sha384', pair('ec', { namedCurve: 'P-384' })),
    asymmetric('rsa-pss-sha512', pair('rsa', { modulusLength: 2048 })),
    asymmetric('rsa-v1_5-sha256', pair('rsa', { modulusLength: 2048 })),
  ];
}

function plain(request: Request): { method: string; url: string; headers: Record<string, string> } {
  return { method: request.method, url: request.url, headers: Object.fromEntries(request.headers) };
}

describe('interop with http-message-signatures', () => {
  for (const key of keyCases()) {
    describe(key.algorithm, () => {
      it('http-message-signatures verifies a request hmacAuth signed', async () => {
        const request = new Request(URL_, {
          method: 'POST',
          body: BODY,
          headers: { 'content-type': 'application/json' },
        });
        const signed = await authenticateRequest(
          hmacAuth({
            keyId: 'partner-key',
            key: key.ours.sign,
            algorithm: key.algorithm,
          }),
          request,
          authContext({ now: Date.now() }),
        );
        const lookups: string[] = [];
        const verified = await httpbis.verifyMessage(
          {
            keyLookup: async (params) => {
              lookups.push(String(params.keyid));
              return params.keyid === 'partner-key'
                ? {
                    id: 'partner-key',
                    algs: [key.algorithm],
                    verify: createVerifier(key.theirs.verify, key.algorithm),
                  }
                : null;
            },
            requiredFields: ['@method', '@target-uri', 'content-digest', 'content-type'],
            requiredParams: ['created', 'keyid', 'alg', 'nonce'],
          },
          plain(signed),
        );
        expect(verified).toBe(true);
        expect(lookups).toEqual(['partner-key']);
      });

      it('http-message-signatures rejects it after a covered header changes', async () => {
        const request = new Request(URL_, {
          method: 'POST',
          body: BODY,
          headers: { 'content-type': 'application/json' },
        });
        const signed = await authenticateRequest(
          hmacAuth({
            keyId: 'partner-key',
            key: key.ours.sign,
            algorithm: key.algorithm,
          }),
          request,
          authContext({ now: Date.now() }),
        );
        const message = plain(signed);
        message.headers['content-type'] = 'text/plain';
        const verified = await httpbis.verifyMessage(
          {
            keyLookup: async () => ({
              id: 'partner-key',
              algs: [key.algorithm],
              verify: createVerifier(key.theirs.verify, key.algorithm),
            }),
          },
          message,
        );
        expect(verified).toBe(false);
      });

      it('createHmacVerifier verifies a request http-message-signatures signed', async () => {
        const headers = { 'content-type': 'application/json', 'content-digest': await contentDigest(BODY) };
        const theirs = await httpbis.signMessage(
          {
            key: createSigner(key.theirs.sign, key.algorithm, 'partner-key'),
            name: 'theirs',
            fields: ['@method', '@authority', '@path', '@query', 'content-digest', 'content-type'],
            params: ['keyid', 'alg', 'created', 'expires', 'nonce'],
            paramValues: { created: new Date(NOW), expires: new Date(NOW + 60_000), nonce: 'their-nonce-1' },
          },
          { method: 'POST', url: URL_, headers },
        );
        const request = new Request(URL_, {
          method: 'POST',
          body: BODY,
          headers: theirs.headers as Record<string, string>,
        });
        const verifier = createHmacVerifier({
          keys: { 'partner-key': { key: key.ours.verify, algorithm: key.algorithm } },
          now: () => NOW + 1_000,
        });
        const result = await verifier.verify(request.clone());
        expect(result).toMatchObject({
          ok: true,
          keyId: 'partner-key',
          algorithm: key.algorithm,
          label: 'theirs',
          nonce: 'their-nonce-1',
        });
        expect(await verifier.verify(request)).toMatchObject({ ok: false, reason: 'replayed-nonce' });
      });
    });
  }
});
