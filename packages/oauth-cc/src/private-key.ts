import { ConfigError, revealSecret, type Secret, type WebCryptoKey } from '@attache/core';
import { ASYMMETRIC_JWS_ALGORITHMS } from '@attache/core/internal';
import type { JWK } from 'jose';

/** Asymmetric JWS algorithms accepted for `private_key_jwt` (and DPoP keys). */
export type PrivateKeyAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

/**
 * A private key: a WebCrypto `CryptoKey` (type `private`, usable for `sign`), a private JWK (with `d`), or a
 * PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as a string or a `Secret`.
 */
export type PrivateKeyInput = WebCryptoKey | JWK | string | Secret;

const ALGORITHMS = ASYMMETRIC_JWS_ALGORITHMS;
const EC_ALGS: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/** The algorithm and key id a caller gives with a key. */
interface KeyOptions {
  readonly alg?: string | undefined;
  readonly kid?: string | undefined;
}

/** A key ready to sign: its algorithm, `kid`, and the imported `CryptoKey` (imported once, on first use). */
export interface PreparedKey {
  readonly alg: string;
  readonly kid: string | undefined;
  key(): Promise<CryptoKey>;
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CryptoKey).type === 'string' &&
    typeof (value as CryptoKey).algorithm === 'object' &&
    Array.isArray((value as CryptoKey).usages)
  );
}

function isSecretLike(value: unknown): value is Secret {
  return typeof value === 'object' && value !== null && typeof (value as Secret).reveal === 'function';
}

function family(alg: string): string {
  return alg === 'Ed25519' ? 'Ed' : alg.slice(0, 2);
}

function algFromCryptoKey(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name?: string }; namedCurve?: string };
  const bits = algorithm.hash?.name?.replace('SHA-', '');
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return bits === undefined ? undefined : `RS${bits}`;
    case 'RSA-PSS':
      return bits === undefined ? undefined : `PS${bits}`;
    case 'ECDSA':
      return algorithm.namedCurve === undefined ? undefined : EC_ALGS[algorithm.namedCurve];
    case 'Ed25519':
      return 'EdDSA';
    default:
      return undefined;
  }
}

function algFromJwk(jwk: JWK): string | undefined {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string') return EC_ALGS[jwk.crv];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  return undefined;
}

// PKCS#8 AlgorithmIdentifier OIDs, DER-encoded, to tell a PEM's key type without parsing ASN.1.
const OIDS: readonly (readonly [string, readonly number[]])[] = [
  ['RSA-PSS', [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a]],
  ['RSA', [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]],
  ['P-256', [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]],
  ['P-384', [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]],
  ['P-521', [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]],
  ['Ed25519', [0x06, 0x03, 0x2b, 0x65, 0x70]],
];
const PEM_ALGS: Readonly<Record<string, string>> = {
  RSA: 'RS256',
  'RSA-PSS': 'PS256',
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};

function contains(haystack: Uint8Array, needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function algFromPem(pem: string, field: string): string {
  if (/-----BEGIN (RSA|EC) PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(
      `${field} is a PKCS#1/SEC1 PEM; convert it to PKCS#8 ("-----BEGIN PRIVATE KEY-----") with ` +
        '`openssl pkcs8 -topk8 -nocrypt -in key.pem`',
    );
  }
  const match = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pem);
  if (match === null) {
    throw new ConfigError(
      `${field} must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), a private JWK or a CryptoKey`,
    );
  }
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob((match[1] ?? '').replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch (cause) {
    throw new ConfigError(`${field} is not valid base64 inside its PEM armour`, { cause });
  }
  for (const [type, oid] of OIDS) {
    const alg = PEM_ALGS[type];
    if (alg !== undefined && contains(der.subarray(0, 32), oid)) return alg;
  }
  throw new ConfigError(
    `${field}: the PEM's key type is not one of RSA, RSA-PSS, P-256, P-384, P-521, Ed25519`,
  );
}

function checkKeyOptions(options: KeyOptions, field: string): void {
  if (options.alg !== undefined && !ALGORITHMS.includes(options.alg)) {
    throw new ConfigError(
      `${field}: alg ${JSON.stringify(options.alg)} is not one of ${ALGORITHMS.join(', ')}`,
    );
  }
  if (options.kid !== undefined && (typeof options.kid !== 'string' || options.kid.length === 0)) {
    throw new ConfigError(`${field}: kid must be a non-empty string`);
  }
}

/** The key with its algorithm settled (given, or told from the key) and checked against the key's family. */
function settle(
  derived: string | undefined,
  options: KeyOptions,
  kid: string | undefined,
  field: string,
  load: () => Promise<CryptoKey>,
): PreparedKey {
  const alg = options.alg ?? derived;
  if (alg === undefined || !ALGORITHMS.includes(alg)) {
    throw new ConfigError(`${field}: cannot tell the signing algorithm from the key; pass alg`);
  }
  if (
    derived !== undefined &&
    family(derived) !== family(alg) &&
    !(family(alg) === 'PS' && family(derived) === 'RS')
  ) {
    throw new ConfigError(`${field}: alg ${alg} does not fit the key (a ${derived} key)`);
  }
  let imported: Promise<CryptoKey> | undefined;
  return {
    alg,
    kid,
    key() {
      imported ??= load().catch((cause: unknown) => {
        imported = undefined;
        throw new ConfigError(`${field} could not be imported for ${alg}`, { cause });
      });
      return imported;
    },
  };
}

/**
 * Checks a WebCrypto private key (type `private`, the `sign` usage, an asymmetric JWS algorithm). DPoP keys
 * are always `CryptoKey`s, so DPoP takes this and never loads the PEM and JWK handling below.
 *
 * @throws {ConfigError} naming `field`.
 */
export function prepareCryptoKey(input: unknown, options: KeyOptions, field: string): PreparedKey {
  checkKeyOptions(options, field);
  if (!isCryptoKey(input) || input.type !== 'private' || !input.usages.includes('sign')) {
    throw new ConfigError(`${field} must be a private CryptoKey with the "sign" usage`);
  }
  return settle(algFromCryptoKey(input), options, options.kid, field, () => Promise.resolve(input));
}

/**
 * Checks a private key eagerly (kind, private part, algorithm) and returns it ready to sign; the import into
 * WebCrypto happens once, on first use.
 *
 * @throws {ConfigError} naming `field`, for anything that cannot sign with an asymmetric JWS algorithm.
 */
export function preparePrivateKey(input: unknown, options: KeyOptions, field: string): PreparedKey {
  if (isCryptoKey(input)) return prepareCryptoKey(input, options, field);
  checkKeyOptions(options, field);
  if (typeof input === 'string' || isSecretLike(input)) {
    const pem = revealSecret(input);
    const derived = algFromPem(pem, field);
    return settle(derived, options, options.kid, field, async () =>
      (await import('./private-key-import.ts')).importPemKey(pem, options.alg ?? derived),
    );
  }
  if (typeof input === 'object' && input !== null && typeof (input as JWK).kty === 'string') {
    const jwk = input as JWK;
    if (typeof jwk.d !== 'string')
      throw new ConfigError(`${field} is a public JWK; the private key (with "d") is needed`);
    const derived = algFromJwk(jwk);
    const kid = options.kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined);
    return settle(derived, options, kid, field, async () =>
      (await import('./private-key-import.ts')).importJwkKey(jwk, options.alg ?? derived),
    );
  }
  throw new ConfigError(`${field} must be a CryptoKey, a private JWK or a PKCS#8 PEM`);
}
