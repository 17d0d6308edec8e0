// Key material that is a public or private key must never be taken as an HMAC secret, by the signer or by
// the verifier: a verifier that did would accept MACs keyed with a public key anyone can read. Keys of every
// type WebCrypto makes, in every form they travel in, are refused at construction with a ConfigError that
// names the form and never quotes the key. Run in Node and in Chromium.
import { ConfigError, secret } from '@attache/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBytes } from '../../src/encoding.ts';
import { hmacAuth } from '../../src/hmac-auth.ts';
import { createHmacVerifier } from '../../src/hmac-verifier.ts';
import type { KeyMaterial, SignatureAlgorithm } from '../../src/signature-algorithm.ts';
import { CLIENT_CERT } from '../fixtures/rfc9421.ts';

const HMAC: readonly SignatureAlgorithm[] = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'];

interface KeyForm {
  readonly name: string;
  readonly material: KeyMaterial;
  readonly keyEncoding?: 'utf8' | 'hex' | 'base64' | 'base64url';
  /** Text that must not appear in the error (a piece of the key). */
  readonly secretPart: string;
}

const GENERATE: Readonly<Record<string, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm>> = {
  'RSA-PSS 2048': {
    name: 'RSA-PSS',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  'ECDSA P-256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ECDSA P-384': { name: 'ECDSA', namedCurve: 'P-384' },
  Ed25519: { name: 'Ed25519' },
};

function pem(label: string, der: Uint8Array): string {
  const body = encodeBytes(der, 'base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

function forms(name: string, der: Uint8Array, label: string, jwk: JsonWebKey): KeyForm[] {
  const base64 = encodeBytes(der, 'base64');
  // The middle of the base64 body: the part that differs between keys of one type.
  const secretPart = base64.slice(base64.length - 40, base64.length - 8);
  const text = pem(label, der);
  return [
    { name: `${name} PEM string`, material: text, secretPart },
    { name: `${name} PEM Secret`, material: secret(text), secretPart },
    { name: `${name} PEM bytes`, material: new TextEncoder().encode(text), secretPart },
    { name: `${name} DER bytes`, material: der, secretPart },
    { name: `${name} base64 of DER (utf8 secret)`, material: base64, secretPart },
    { name: `${name} base64 of DER, wrapped`, material: base64.replace(/.{1,64}/g, '$&\n'), secretPart },
    { name: `${name} base64 of DER (base64 key)`, material: base64, keyEncoding: 'base64', secretPart },
    {
      name: `${name} base64url of DER (base64url key)`,
      material: encodeBytes(der, 'base64url'),
      keyEncoding: 'base64url',
      secretPart: encodeBytes(der, 'base64url').slice(-40, -8),
    },
    {
      name: `${name} hex of DER (hex key)`,
      material: encodeBytes(der, 'hex'),
      keyEncoding: 'hex',
      secretPart: encodeBytes(der, 'hex').slice(-40, -8),
    },
    { name: `${name} JWK`, material: jwk as KeyMaterial, secretPart: String(jwk.x ?? jwk.n).slice(0, 24) },
    {
      name: `${name} JWK as JSON text`,
      material: JSON.stringify(jwk),
      secretPart: String(jwk.x ?? jwk.n).slice(0, 24),
    },
    {
      name: `${name} oct JWK whose k is the DER`,
      material: { kty: 'oct', k: encodeBytes(der, 'base64url') } as KeyMaterial,
      secretPart: encodeBytes(der, 'base64url').slice(-40, -8),
    },
  ];
}

function construct(role: 'signer' | 'verifier', algorithm: SignatureAlgorithm, form: KeyForm): () => unknown {
  const scheme = algorithm === 'hmac-sha256' ? 'rfc9421' : 'simple';
  const encoding = form.keyEncoding === undefined ? {} : { keyEncoding: form.keyEncoding };
  return role === 'signer'
    ? () => hmacAuth({ scheme, keyId: 'k1', key: form.material, algorithm, ...encoding })
    : () =>
        createHmacVerifier({
          scheme,
          keys: { k1: { key: form.material, algorithm, ...encoding } },
        });
}

export function keyConfusionSuite(runs: number): void {
  describe('HMAC algorithms refuse public and private keys (no algorithm confusion)', () => {
    const all: KeyForm[] = [];

    beforeAll(async () => {
      for (const [name, params] of Object.entries(GENERATE)) {
        const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
        const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
        const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
        all.push(
          ...forms(
            `${name} public`,
            spki,
            'PUBLIC KEY',
            await crypto.subtle.exportKey('jwk', pair.publicKey),
          ),
          ...forms(
            `${name} private`,
            pkcs8,
            'PRIVATE KEY',
            await crypto.subtle.exportKey('jwk', pair.privateKey),
          ),
        );
      }
      const cert = Uint8Array.from(atob(CLIENT_CERT.slice(1, -1)), (c) => c.charCodeAt(0));
      all.push(
        ...forms('X.509 certificate', cert, 'CERTIFICATE', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }),
      );
      all.push({
        name: 'OpenSSH public key',
        material: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host`,
        secretPart: 'IOMqqnkVzrm0SdG6UOoqKLsabgH5',
      });
    });

    it('every key type, in every form, for every HMAC algorithm, signer and verifier: ConfigError', () => {
      expect(all.length).toBe(4 * 2 * 12 + 12 + 1);
      let checked = 0;
      for (const form of all) {
        for (const algorithm of HMAC) {
          for (const role of ['signer', 'verifier'] as const) {
            let error: unknown;
            try {
              construct(role, algorithm, form)();
            } catch (caught) {
              error = caught;
            }
            expect(error, `${role} ${algorithm} ${form.name}`).toBeInstanceOf(ConfigError);
            const message = (error as Error).message;
            expect(message, `${role} ${algorithm} ${form.name}`).toMatch(/looks like|is a JWK of kty/);
            expect(message).not.toContain(form.secretPart);
            checked++;
          }
        }
      }
      expect(checked).toBe(all.length * HMAC.length * 2);
    });

    it('says what it recognised', () => {
      const spki = all.find((form) => form.name === 'ECDSA P-256 public DER bytes')!;
      expect(construct('verifier', 'hmac-sha256', spki)).toThrow(
        /looks like a DER SubjectPublicKeyInfo \(public key\), not a shared secret/,
      );
      const pkcs8 = all.find((form) => form.name === 'Ed25519 private PEM string')!;
      expect(construct('signer', 'hmac-sha256', pkcs8)).toThrow(
        /looks like a PEM block \("-----BEGIN PRIVATE KEY-----"\)/,
      );
      const base64 = all.find((form) => form.name === 'RSA-PSS 2048 public base64 of DER (utf8 secret)')!;
      expect(construct('verifier', 'hmac-sha256', base64)).toThrow(
        /the base64 of a DER SubjectPublicKeyInfo/,
      );
      const jwk = all.find((form) => form.name === 'ECDSA P-384 private JWK')!;
      expect(construct('verifier', 'hmac-sha256', jwk)).toThrow(
        /is a JWK of kty "EC"; hmac-sha256 needs "oct"/,
      );
    });

    it('key lookups are checked too: a public key returned by keys() is a ConfigError, not a verified MAC', async () => {
      const spki = all.find((form) => form.name === 'ECDSA P-256 public PEM string')!;
      const verifier = createHmacVerifier({ keys: () => spki.material as string, now: () => 1_000_000 });
      const request = new Request('https://api.partner.test/x', {
        headers: {
          'signature-input':
            'sig1=("@method" "@authority" "@path" "@query");created=1000;keyid="k1";nonce="n"',
          signature: 'sig1=:AAAA:',
        },
      });
      await expect(verifier.verify(request)).rejects.toBeInstanceOf(ConfigError);
    });

    it('the same keys still work with their own asymmetric algorithms', async () => {
      const pem = all.find((form) => form.name === 'ECDSA P-256 private PEM string')!;
      expect(() =>
        hmacAuth({ keyId: 'k1', key: pem.material, algorithm: 'ecdsa-p256-sha256' }),
      ).not.toThrow();
      const pub = all.find((form) => form.name === 'ECDSA P-256 public PEM string')!;
      expect(() =>
        createHmacVerifier({ keys: { k1: { key: pub.material, algorithm: 'ecdsa-p256-sha256' } } }),
      ).not.toThrow();
    });

    it('random secrets (bytes, text, hex, base64) are accepted', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 128 }).map((bytes) => ({ key: bytes })),
            fc.string({ minLength: 1, maxLength: 80 }).map((text) => ({ key: text })),
            fc
              .uint8Array({ minLength: 16, maxLength: 64 })
              .map((bytes) => ({ key: encodeBytes(bytes, 'hex'), keyEncoding: 'hex' as const })),
            fc
              .uint8Array({ minLength: 16, maxLength: 64 })
              .map((bytes) => ({ key: encodeBytes(bytes, 'base64'), keyEncoding: 'base64' as const })),
          ),
          fc.constantFrom(...HMAC),
          (input, algorithm) => {
            const scheme = algorithm === 'hmac-sha256' ? 'rfc9421' : 'simple';
            hmacAuth({ scheme, keyId: 'k1', algorithm, ...input });
            createHmacVerifier({ scheme, keys: { k1: { algorithm, ...input } } });
          },
        ),
        { numRuns: runs },
      );
    });

    it('a key with a typo in its payload (one byte changed at random) is still refused', () => {
      const ders = all
        .filter((form) => form.name.endsWith('DER bytes'))
        .map((form) => form.material as Uint8Array);
      fc.assert(
        fc.property(fc.constantFrom(...ders), fc.nat(), fc.integer({ min: 1, max: 255 }), (der, at, xor) => {
          const changed = der.slice();
          const index = at % changed.length;
          if (index < 32) return;
          changed[index] = changed[index]! ^ xor;
          expect(() => createHmacVerifier({ keys: { k1: changed } })).toThrow(ConfigError);
        }),
        { numRuns: runs },
      );
    });
  });
}
