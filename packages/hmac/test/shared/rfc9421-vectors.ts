// RFC 9421 Appendix B and RFC 9530 examples, run in Node and in Chromium.
import { describe, expect, it } from 'vitest';
import { contentDigest } from '../../src/content-digest.ts';
import { encodeBytes, utf8 } from '../../src/encoding.ts';
import { createHmacVerifier } from '../../src/hmac-verifier.ts';
import { type ComponentId, componentFromItem } from '../../src/rfc9421/message-component.ts';
import { createSignatureBase } from '../../src/rfc9421/signature-base.ts';
import { importPreparedKey, prepareKey, signBytes } from '../../src/signature-algorithm.ts';
import { parseDictionary, type SfInnerList } from '../../src/structured-fields.ts';
import type { HmacVerifierKey } from '../../src/verifier-keys.ts';
import {
  DIGEST_VECTORS,
  ECC_P256_PUBLIC_PEM,
  ED25519_JWK,
  ED25519_PRIVATE_PEM,
  ED25519_PUBLIC_PEM,
  RSA_PSS_PUBLIC_PEM,
  SHARED_SECRET_BASE64,
  VECTOR_NOW,
  VECTORS,
  type Vector,
} from '../fixtures/rfc9421.ts';
import { signedVectorMessage } from '../support/messages.ts';

export const RFC_KEYS: Readonly<Record<string, HmacVerifierKey>> = {
  'test-key-rsa-pss': { key: RSA_PSS_PUBLIC_PEM, algorithm: 'rsa-pss-sha512' },
  'test-key-ecc-p256': { key: ECC_P256_PUBLIC_PEM, algorithm: 'ecdsa-p256-sha256' },
  'test-key-ed25519': { key: ED25519_PUBLIC_PEM, algorithm: 'ed25519' },
  'test-shared-secret': { key: SHARED_SECRET_BASE64, keyEncoding: 'base64' },
};

function parsedInput(vector: Vector): SfInnerList {
  const dictionary = parseDictionary(vector.signatureInput);
  if (typeof dictionary === 'string') throw new Error(dictionary);
  const member = dictionary.get(vector.label);
  if (member?.kind !== 'inner-list') throw new Error('not an inner list');
  return member;
}

function baseOf(vector: Vector): string {
  const message = signedVectorMessage(vector);
  const input = parsedInput(vector);
  const components = input.items.map((item) => componentFromItem(item) as ComponentId);
  const view =
    message instanceof Response
      ? { status: message.status, headers: message.headers }
      : { method: message.method, url: new URL(message.url), headers: message.headers };
  const base = createSignatureBase(view, components, input.params);
  if ('error' in base) throw new Error(base.error);
  return base.base;
}

function verifierFor(vector: Vector) {
  return createHmacVerifier({
    keys: { [vector.keyId]: RFC_KEYS[vector.keyId]! },
    now: () => VECTOR_NOW,
    nonceStore: false,
    label: vector.label,
    requiredComponents: vector.components,
    requireContentDigest: vector.components.includes('content-digest'),
  });
}

export function rfc9421VectorSuite(): void {
  describe('RFC 9421 Appendix B', () => {
    for (const vector of VECTORS) {
      describe(vector.section, () => {
        it("builds the RFC's signature base, byte for byte", () => {
          expect(baseOf(vector)).toBe(vector.base);
        });

        it("accepts the RFC's signature", async () => {
          const result = await verifierFor(vector).verify(signedVectorMessage(vector));
          expect(result).toMatchObject({
            ok: true,
            keyId: vector.keyId,
            label: vector.label,
            created: 1618884473,
          });
        });

        it("rejects the RFC's signature with one byte changed", async () => {
          const tampered = vector.signature.replace(
            /=:([A-Za-z0-9+/])/,
            (_m, c: string) => `=:${c === 'A' ? 'B' : 'A'}`,
          );
          const message = signedVectorMessage({ ...vector, signature: tampered });
          const result = await verifierFor(vector).verify(message);
          expect(result).toMatchObject({ ok: false, reason: 'signature-mismatch' });
        });
      });
    }

    it("B.2.5: our HMAC-SHA256 signature equals the RFC's", async () => {
      const vector = VECTORS.find((v) => v.label === 'sig-b25')!;
      const prepared = prepareKey(SHARED_SECRET_BASE64, 'hmac-sha256', 'sign', 'base64', 'key');
      const key = await importPreparedKey(prepared, 'hmac-sha256', 'sign');
      const signature = await signBytes('hmac-sha256', key, utf8(baseOf(vector)));
      expect(`sig-b25=:${encodeBytes(signature, 'base64')}:`).toBe(vector.signature);
    });

    for (const [form, material] of [
      ['PKCS #8 PEM', ED25519_PRIVATE_PEM],
      ['JWK', ED25519_JWK],
    ] as const) {
      it(`B.2.6: our Ed25519 signature equals the RFC's (key as ${form})`, async () => {
        const vector = VECTORS.find((v) => v.label === 'sig-b26')!;
        const key = await importPreparedKey(
          prepareKey(material, 'ed25519', 'sign', 'utf8', 'key'),
          'ed25519',
          'sign',
        );
        const signature = await signBytes('ed25519', key, utf8(baseOf(vector)));
        expect(`sig-b26=:${encodeBytes(signature, 'base64')}:`).toBe(vector.signature);
      });
    }
  });

  describe('RFC 9530 Content-Digest examples', () => {
    for (const vector of DIGEST_VECTORS) {
      for (const [algorithm, expected] of Object.entries(vector.digests)) {
        it(`${vector.name}: ${algorithm}`, async () => {
          expect(await contentDigest(vector.body, { algorithms: [algorithm as 'sha-256' | 'sha-512'] })).toBe(
            expected,
          );
        });
      }
    }

    it('lists several algorithms in one field, in the order asked', async () => {
      const [first] = DIGEST_VECTORS;
      expect(await contentDigest(first!.body, { algorithms: ['sha-256', 'sha-512'] })).toBe(
        `${first!.digests['sha-256']}, ${first!.digests['sha-512']}`,
      );
    });
  });
}
