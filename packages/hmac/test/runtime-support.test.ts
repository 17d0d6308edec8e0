// Where a runtime lacks what signing needs, the factories say which thing, as a ConfigError: no WebCrypto at
// all (a browser page over http), no crypto.randomUUID for the default nonces, or an algorithm its WebCrypto
// does not implement (NotSupportedError from importKey).
import { ConfigError, createFetch, type Transport } from '@attache/core';
import { toRequestInit } from '@attache/core/internal';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHmacVerifier, hmacAuth } from '../src/index.ts';

const SECRET = 'runtime-support-shared-secret-0123';

afterEach(() => vi.unstubAllGlobals());

describe('a runtime without what signing needs', () => {
  it('no crypto.subtle: both factories throw a ConfigError naming it', () => {
    vi.stubGlobal('crypto', { randomUUID: () => '00000000-0000-4000-8000-000000000000' });
    for (const make of [
      () => hmacAuth({ keyId: 'k', key: SECRET }),
      () => createHmacVerifier({ keys: { k: SECRET } }),
    ]) {
      expect(make).toThrowError(ConfigError);
      expect(make).toThrowError(/no WebCrypto \(crypto\.subtle\)/);
    }
  });

  it('no crypto.randomUUID: hmacAuth names it unless nonces are given or off; the verifier needs none', () => {
    vi.stubGlobal('crypto', { subtle: globalThis.crypto.subtle });
    expect(() => hmacAuth({ keyId: 'k', key: SECRET })).toThrowError(/no crypto\.randomUUID/);
    expect(() => hmacAuth({ keyId: 'k', key: SECRET, nonce: false })).not.toThrow();
    expect(() => hmacAuth({ keyId: 'k', key: SECRET, nonce: () => 'n-1' })).not.toThrow();
    expect(() => createHmacVerifier({ keys: { k: SECRET } })).not.toThrow();
  });

  it.each(['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const)(
    'an algorithm WebCrypto lacks (%s): signing and verifying name the algorithm',
    async (algorithm) => {
      const subtle = globalThis.crypto.subtle;
      const pair = algorithm === 'hmac-sha256' ? undefined : await generate(algorithm);
      const signingKey = pair === undefined ? SECRET : await exportPkcs8Pem(subtle, pair.privateKey);
      const verifyKey =
        pair === undefined ? SECRET : { key: await exportSpkiPem(subtle, pair.publicKey), algorithm };
      // A request signed while WebCrypto still has everything.
      let signed: Request | undefined;
      const capture: Transport = async (outgoing) => {
        signed = new Request(outgoing.url, toRequestInit(outgoing));
        return new Response('{}');
      };
      const make = () =>
        createFetch({
          baseUrl: 'https://api.partner.test',
          auth: hmacAuth({ keyId: 'k', key: signingKey, algorithm }),
          transport: capture,
        });
      expect((await make()('orders')).status).toBe(200);

      vi.stubGlobal('crypto', {
        randomUUID: () => '00000000-0000-4000-8000-000000000000',
        subtle: new Proxy(subtle, {
          get: (target, property) =>
            property === 'importKey'
              ? () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
              : Reflect.get(target, property, target).bind(target),
        }),
      });
      const name = { 'hmac-sha256': 'HMAC', ed25519: 'Ed25519', 'ecdsa-p256-sha256': 'ECDSA' }[algorithm];
      const pattern = new RegExp(`WebCrypto does not support ${name} \\(${algorithm}\\)`);
      const verifier = createHmacVerifier({ keys: { k: verifyKey } });
      await expect(verifier.verify(signed as Request)).rejects.toThrowError(pattern);
      await expect(make()('orders')).rejects.toThrowError(pattern);
    },
  );
});

async function generate(algorithm: 'ed25519' | 'ecdsa-p256-sha256'): Promise<CryptoKeyPair> {
  const params = algorithm === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  return (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
}
function pem(label: string, bytes: ArrayBuffer): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(bytes).toString('base64')}\n-----END ${label}-----`;
}
async function exportPkcs8Pem(subtle: SubtleCrypto, key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await subtle.exportKey('pkcs8', key));
}
async function exportSpkiPem(subtle: SubtleCrypto, key: CryptoKey): Promise<string> {
  return pem('PUBLIC KEY', await subtle.exportKey('spki', key));
}
