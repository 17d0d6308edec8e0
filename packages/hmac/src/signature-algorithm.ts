// The algorithms of RFC 9421 §6.2 that WebCrypto offers, plus HMAC with SHA-384/512 for the simple scheme.
// Each maps to WebCrypto parameters; ECDSA signatures are the raw r||s concatenation in both WebCrypto and
// RFC 9421 §3.3.4, and RSA-PSS uses a 64-byte salt (§3.3.1).
import { ConfigError, type JsonWebKeyInput, revealSecret, Secret, type WebCryptoKey } from '@attache/core';
import { decodeBytes, type KeyEncoding, type MessageParts, ownBytes, utf8 } from './encoding.ts';
import { bytesKeyShape, octJwkShape, textKeyShape } from './key-shape.ts';
import { nativeHmac, rememberRawKey } from './native-crypto.ts';
import { timingSafeEqual } from './timing-safe-equal.ts';

/**
 * A signature algorithm. The first six are the RFC 9421 registry names; `hmac-sha384` and `hmac-sha512`
 * exist only for the simple scheme.
 */
export type SignatureAlgorithm =
  | 'hmac-sha256'
  | 'ed25519'
  | 'ecdsa-p256-sha256'
  | 'ecdsa-p384-sha384'
  | 'rsa-pss-sha512'
  | 'rsa-v1_5-sha256'
  | 'hmac-sha384'
  | 'hmac-sha512';

/**
 * Key material. For HMAC: the shared secret as a string (see `keyEncoding`), a {@link Secret}, bytes, an
 * HMAC `CryptoKey` or an `oct` JWK. For the asymmetric algorithms: a `CryptoKey`, a JWK, or a PEM string
 * (`-----BEGIN PRIVATE KEY-----` PKCS #8 for signing, `-----BEGIN PUBLIC KEY-----` SPKI for verifying).
 */
export type KeyMaterial = string | Secret | Uint8Array | WebCryptoKey | JsonWebKeyInput;

interface AlgorithmSpec {
  readonly importParams: AlgorithmIdentifier | HmacImportParams | EcKeyImportParams | RsaHashedImportParams;
  readonly signParams: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
  readonly symmetric: boolean;
  /** `CryptoKey.algorithm.name` and JWK `kty` this algorithm needs. */
  readonly keyName: string;
  readonly kty: string;
}

const SPECS: Readonly<Record<SignatureAlgorithm, AlgorithmSpec>> = {
  'hmac-sha256': hmac('SHA-256'),
  'hmac-sha384': hmac('SHA-384'),
  'hmac-sha512': hmac('SHA-512'),
  ed25519: {
    importParams: { name: 'Ed25519' },
    signParams: { name: 'Ed25519' },
    symmetric: false,
    keyName: 'Ed25519',
    kty: 'OKP',
  },
  'ecdsa-p256-sha256': ecdsa('P-256', 'SHA-256'),
  'ecdsa-p384-sha384': ecdsa('P-384', 'SHA-384'),
  'rsa-pss-sha512': {
    importParams: { name: 'RSA-PSS', hash: 'SHA-512' },
    signParams: { name: 'RSA-PSS', saltLength: 64 },
    symmetric: false,
    keyName: 'RSA-PSS',
    kty: 'RSA',
  },
  'rsa-v1_5-sha256': {
    importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    signParams: { name: 'RSASSA-PKCS1-v1_5' },
    symmetric: false,
    keyName: 'RSASSA-PKCS1-v1_5',
    kty: 'RSA',
  },
};

function hmac(hash: string): AlgorithmSpec {
  return {
    importParams: { name: 'HMAC', hash },
    signParams: { name: 'HMAC' },
    symmetric: true,
    keyName: 'HMAC',
    kty: 'oct',
  };
}

function ecdsa(namedCurve: string, hash: string): AlgorithmSpec {
  return {
    importParams: { name: 'ECDSA', namedCurve },
    signParams: { name: 'ECDSA', hash },
    symmetric: false,
    keyName: 'ECDSA',
    kty: 'EC',
  };
}

export const ALGORITHMS: readonly SignatureAlgorithm[] = Object.keys(SPECS) as SignatureAlgorithm[];
/** Algorithms with an entry in RFC 9421's registry. */
export const RFC9421_ALGORITHMS: readonly SignatureAlgorithm[] = ALGORITHMS.filter(
  (a) => a !== 'hmac-sha384' && a !== 'hmac-sha512',
);
export const HMAC_ALGORITHMS: readonly SignatureAlgorithm[] = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'];

export function isSymmetric(algorithm: SignatureAlgorithm): boolean {
  return SPECS[algorithm].symmetric;
}

/** Throws a `ConfigError` naming `field` unless `value` is one of `allowed`. */
export function checkAlgorithm(
  value: unknown,
  allowed: readonly SignatureAlgorithm[],
  field: string,
): SignatureAlgorithm {
  if (typeof value !== 'string' || !allowed.includes(value as SignatureAlgorithm)) {
    throw new ConfigError(
      `${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as SignatureAlgorithm;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

function pemBody(pem: string, label: string): Uint8Array<ArrayBuffer> | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  return match ? decodeBytes(match[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}

/** Refuses public or private key material offered as an HMAC secret (see key-shape.ts for why). */
function refuseAsymmetric(shape: string | undefined, field: string, algorithm: SignatureAlgorithm): void {
  if (shape === undefined) return;
  throw new ConfigError(
    `${field} looks like ${shape}, not a shared secret: ${algorithm} needs the secret both sides hold. ` +
      'A public or private key belongs with an asymmetric algorithm (ed25519, ecdsa-p256-sha256, rsa-pss-sha512 …)',
  );
}

/** What a key is prepared from, checked eagerly so a bad key fails when the factory is called. */
export type PreparedKey =
  | { readonly format: 'raw'; readonly data: Uint8Array<ArrayBuffer> }
  | { readonly format: 'pkcs8' | 'spki'; readonly data: Uint8Array<ArrayBuffer> }
  | { readonly format: 'jwk'; readonly data: JsonWebKey }
  | { readonly format: 'key'; readonly key: CryptoKey };

/**
 * Checks key material against an algorithm and a use, and normalizes it for import. Throws a `ConfigError`
 * naming `field`; the message never contains key material.
 */
export function prepareKey(
  material: KeyMaterial,
  algorithm: SignatureAlgorithm,
  use: 'sign' | 'verify',
  keyEncoding: KeyEncoding,
  field: string,
): PreparedKey {
  const spec = SPECS[algorithm];
  if (isCryptoKey(material)) {
    if (material.algorithm.name !== spec.keyName) {
      throw new ConfigError(
        `${field} is a ${material.algorithm.name} CryptoKey; ${algorithm} needs ${spec.keyName}`,
      );
    }
    // An HMAC key verifies either way: by WebCrypto's verify, or by recomputing the MAC.
    const usable = spec.symmetric && use === 'verify' ? ['sign', 'verify'] : [use];
    if (!material.usages.some((u) => usable.includes(u))) {
      throw new ConfigError(`${field} is a CryptoKey without the "${use}" usage`);
    }
    return { format: 'key', key: material };
  }
  if (material instanceof Uint8Array) {
    if (!spec.symmetric) {
      throw new ConfigError(
        `${field}: raw bytes are only accepted for HMAC keys; ${algorithm} needs a CryptoKey, JWK or PEM`,
      );
    }
    if (material.length === 0) throw new ConfigError(`${field} must not be empty`);
    refuseAsymmetric(bytesKeyShape(material), field, algorithm);
    return { format: 'raw', data: ownBytes(material) };
  }
  if (typeof material === 'string' || material instanceof Secret) {
    const text = revealSecret(material);
    if (text.length === 0) throw new ConfigError(`${field} must not be empty`);
    if (!spec.symmetric) {
      const label = use === 'sign' ? 'PRIVATE KEY' : 'PUBLIC KEY';
      const der = pemBody(text, label);
      if (der === undefined) {
        throw new ConfigError(
          `${field}: ${algorithm} needs a CryptoKey, a JWK or a "-----BEGIN ${label}-----" PEM`,
        );
      }
      return { format: use === 'sign' ? 'pkcs8' : 'spki', data: der };
    }
    refuseAsymmetric(textKeyShape(text), field, algorithm);
    const bytes = keyEncoding === 'utf8' ? utf8(text) : decodeBytes(text, keyEncoding);
    if (bytes === undefined || bytes.length === 0) {
      throw new ConfigError(`${field} is not valid ${keyEncoding} (keyEncoding is '${keyEncoding}')`);
    }
    return { format: 'raw', data: bytes };
  }
  if (typeof material === 'object' && material !== null && typeof (material as JsonWebKey).kty === 'string') {
    const jwk = material as JsonWebKey;
    if (jwk.kty !== spec.kty) {
      throw new ConfigError(`${field} is a JWK of kty "${jwk.kty}"; ${algorithm} needs "${spec.kty}"`);
    }
    if (spec.symmetric) refuseAsymmetric(octJwkShape(jwk), field, algorithm);
    if (use === 'sign' && !spec.symmetric && jwk.d === undefined) {
      throw new ConfigError(`${field} is a public JWK; signing needs the private key`);
    }
    // WebCrypto refuses to import a private JWK for "verify": keep only the public members.
    const data: JsonWebKey =
      use === 'verify' && !spec.symmetric
        ? Object.fromEntries(
            Object.entries(jwk).filter(([k]) => !PRIVATE_JWK_MEMBERS.includes(k) && k !== 'key_ops'),
          )
        : Object.fromEntries(Object.entries(jwk).filter(([k]) => k !== 'key_ops' && k !== 'alg'));
    return { format: 'jwk', data };
  }
  throw new ConfigError(`${field} must be a string, a Secret, bytes, a CryptoKey or a JWK`);
}

/**
 * What this runtime lacks to sign or verify, named for the error message; `undefined` when nothing. Browsers
 * give `crypto.subtle` and `crypto.randomUUID` to secure contexts (https, localhost) only.
 */
export function missingWebCrypto(needs: { readonly randomUUID: boolean }): string | undefined {
  const webCrypto = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof webCrypto?.subtle?.importKey !== 'function') {
    return 'this runtime has no WebCrypto (crypto.subtle); browsers give it to secure contexts (https) only';
  }
  if (needs.randomUUID && typeof webCrypto.randomUUID !== 'function') {
    return 'this runtime has no crypto.randomUUID for nonces (browsers: secure contexts only); pass nonce';
  }
  return undefined;
}

/** Imports a prepared key as a non-extractable `CryptoKey`. */
export async function importPreparedKey(
  prepared: PreparedKey,
  algorithm: SignatureAlgorithm,
  use: 'sign' | 'verify',
): Promise<CryptoKey> {
  const spec = SPECS[algorithm];
  // HMAC verification recomputes the MAC and compares it in constant time, so it needs "sign".
  const usages: KeyUsage[] = spec.symmetric ? ['sign'] : [use];
  try {
    switch (prepared.format) {
      case 'key':
        return prepared.key;
      case 'jwk':
        return await crypto.subtle.importKey('jwk', prepared.data, spec.importParams, false, usages);
      default: {
        const key = await crypto.subtle.importKey(
          prepared.format,
          prepared.data,
          spec.importParams,
          false,
          usages,
        );
        if (spec.symmetric && prepared.format === 'raw') rememberRawKey(key, prepared.data);
        return key;
      }
    }
  } catch (cause) {
    // A runtime without the algorithm (Ed25519 is the one still missing in places) says NotSupportedError.
    if ((cause as { name?: unknown })?.name !== 'NotSupportedError') throw cause;
    const params = spec.importParams;
    const name = typeof params === 'string' ? params : params.name;
    throw new ConfigError(`this runtime's WebCrypto does not support ${name} (${algorithm})`, { cause });
  }
}

export async function signBytes(
  algorithm: SignatureAlgorithm,
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer> | string | MessageParts,
): Promise<Uint8Array> {
  return signNow(algorithm, key, data);
}

/** {@link signBytes}, synchronous where the platform computes the HMAC natively (Node). */
export function signNow(
  algorithm: SignatureAlgorithm,
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer> | string | MessageParts,
): Uint8Array | Promise<Uint8Array> {
  const spec = SPECS[algorithm];
  if (spec.symmetric) {
    // Text goes to the native HMAC as it is (UTF-8), without an encoded copy.
    const fast = nativeHmac((spec.importParams as HmacImportParams).hash as string, key, data);
    if (fast !== undefined) return fast;
  }
  const bytes = utf8(data);
  return crypto.subtle.sign(spec.signParams, key, bytes).then((signature) => new Uint8Array(signature));
}

/**
 * Verifies a signature. HMAC is recomputed and compared with {@link timingSafeEqual}; the asymmetric
 * algorithms use WebCrypto's `verify`.
 */
export async function verifyBytes(
  algorithm: SignatureAlgorithm,
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array,
): Promise<boolean> {
  const spec = SPECS[algorithm];
  if (spec.symmetric) {
    if (!key.usages.includes('sign')) {
      return crypto.subtle.verify(spec.signParams, key, ownBytes(signature), data);
    }
    return timingSafeEqual(await signBytes(algorithm, key, data), signature);
  }
  const bytes = ownBytes(signature);
  try {
    if (await crypto.subtle.verify(spec.signParams, key, bytes, data)) return true;
    if (algorithm !== 'rsa-pss-sha512') return false;
    // RFC 9421 §3.3.1 fixes a 64-byte salt, but Node's crypto signs PSS with the longest salt the key allows
    // (and so does every signer built on it, http-message-signatures among them). The salt length does not
    // weaken PSS, so that length is accepted too; this library signs with 64 bytes.
    const modulusBits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    const maxSalt = Math.ceil((modulusBits - 1) / 8) - 64 - 2;
    return (
      maxSalt > 64 && (await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: maxSalt }, key, bytes, data))
    );
  } catch {
    // A signature of the wrong length for the key is a mismatch, not a crash.
    return false;
  }
}
