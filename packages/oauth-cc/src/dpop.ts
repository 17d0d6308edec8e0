import { ConfigError, TokenAcquisitionError, type WebCryptoKeyPair } from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type PrivateKeyAlgorithm, preparePrivateKey } from './private-key.ts';

/**
 * DPoP settings (RFC 9449) of `clientCredentialsAuth`.
 *
 * @example
 * ```ts
 * const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientSecret, dpop: { key } });
 * ```
 */
export interface DpopOptions {
  /**
   * The key pair proofs are signed with; tokens are bound to its public key. Keep the private key
   * non-extractable. Default: an ES256 pair generated on first use, private key non-extractable.
   */
  readonly key?: WebCryptoKeyPair;
  /** The JWS algorithm. Default: from the key (P-256 → `ES256`, Ed25519 → `EdDSA`, RSA-PSS → `PS256` …). */
  readonly alg?: PrivateKeyAlgorithm;
}

/** What one proof is for. */
export interface DpopProofInput {
  /** The request method (`htm`). */
  readonly method: string;
  /** The request URL; `htu` is it without query and fragment. */
  readonly url: URL;
  /** At a resource server: the access token, hashed into `ath`. */
  readonly accessToken?: string;
  /** Epoch milliseconds for `iat`. */
  readonly now: number;
}

/** Signs DPoP proofs with one key and remembers each origin's latest `DPoP-Nonce`. */
export interface DpopProver {
  /** Identifies the key inside this process, for token cache keys (tokens are bound to the key). */
  readonly keyId: string;
  /** RFC 7638 thumbprint of the public key (`cnf.jkt` of bound tokens). */
  thumbprint(): Promise<string>;
  proof(input: DpopProofInput): Promise<string>;
  /** Stores a nonce a server sent for its origin. */
  rememberNonce(origin: string, nonce: string): void;
  nonce(origin: string): string | undefined;
}

interface ReadyKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

// RFC 9449 §8.1: nonce = 1*NQCHAR (visible ASCII but `"` and `\`). A bound keeps a hostile server from
// growing every proof.
const MAX_NONCE = 1024;
const NQCHAR = new RegExp(`^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,${MAX_NONCE}}$`);

const keyIds = new WeakMap<CryptoKey, string>();
let keyCount = 0;

function idFor(key: CryptoKey | undefined): string {
  if (key === undefined) return `dpop-${++keyCount}`;
  let id = keyIds.get(key);
  if (id === undefined) {
    id = `dpop-${++keyCount}`;
    keyIds.set(key, id);
  }
  return id;
}

// RFC 7638 / RFC 9449 §4.2: the `jwk` header holds the public key only.
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'e', 'n'],
};

function publicPart(jwk: JWK): JWK {
  const members = PUBLIC_MEMBERS[jwk.kty ?? ''] ?? [];
  return Object.fromEntries(members.map((name) => [name, jwk[name as keyof JWK]])) as JWK;
}

/** base64url(SHA-256(ASCII(token))): the `ath` claim (RFC 9449 §4.2). */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

/** The `htu` claim: the target URI without query and fragment (RFC 9449 §4.2). */
export function proofUri(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Creates a DPoP prover from `dpop: true` or `dpop: { key, alg }`.
 *
 * @throws {ConfigError} when `key` is not a key pair with a private signing key, or `alg` does not fit it.
 */
export function createDpopProver(options: true | DpopOptions): DpopProver {
  const given = options === true ? undefined : options.key;
  if (options !== true && (typeof options !== 'object' || options === null)) {
    throw new ConfigError('clientCredentialsAuth: dpop must be true, false or { key, alg }');
  }
  if (given !== undefined) {
    if (
      typeof given !== 'object' ||
      given === null ||
      given.privateKey === undefined ||
      given.publicKey === undefined
    ) {
      throw new ConfigError(
        'clientCredentialsAuth: dpop.key must be a CryptoKeyPair ({ privateKey, publicKey })',
      );
    }
  }
  const alg = options === true ? undefined : options.alg;
  const prepared =
    given === undefined
      ? undefined
      : preparePrivateKey(given.privateKey, { alg }, 'clientCredentialsAuth: dpop.key.privateKey');
  if (given === undefined && alg !== undefined && alg !== 'ES256') {
    throw new ConfigError(
      'clientCredentialsAuth: dpop.alg without dpop.key must be ES256 (the generated key)',
    );
  }
  const nonces = new Map<string, string>();
  let ready: Promise<ReadyKey> | undefined;

  function load(): Promise<ReadyKey> {
    ready ??= (async (): Promise<ReadyKey> => {
      if (given === undefined || prepared === undefined) {
        const pair = await generateKeyPair('ES256', { extractable: false });
        return {
          alg: 'ES256',
          privateKey: pair.privateKey,
          publicJwk: publicPart(await exportJWK(pair.publicKey)),
        };
      }
      return {
        alg: prepared.alg,
        privateKey: await prepared.key(),
        publicJwk: publicPart(await exportJWK(given.publicKey)),
      };
    })().catch((cause: unknown) => {
      ready = undefined;
      throw new ConfigError('clientCredentialsAuth: the DPoP key could not be prepared', { cause });
    });
    return ready;
  }

  return {
    keyId: idFor(given?.publicKey),
    async thumbprint() {
      return calculateJwkThumbprint((await load()).publicJwk, 'sha256');
    },
    async proof(input) {
      const key = await load();
      const nonce = nonces.get(input.url.origin);
      const claims: Record<string, string> = { htm: input.method.toUpperCase(), htu: proofUri(input.url) };
      if (input.accessToken !== undefined) claims.ath = await accessTokenHash(input.accessToken);
      if (nonce !== undefined) claims.nonce = nonce;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk })
        .setIssuedAt(Math.floor(input.now / 1000))
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
    },
    rememberNonce(origin, nonce) {
      // Every later proof carries it: a server's value is checked like any credential it hands us.
      checkHeaderValue(nonce, `DPoP-Nonce from ${origin}`, 'endpoint');
      if (!NQCHAR.test(nonce)) {
        throw new TokenAcquisitionError(
          `DPoP-Nonce from ${origin} is not a nonce (RFC 9449 §8.1: 1*NQCHAR, at most ${MAX_NONCE} characters)`,
          { error: 'invalid_dpop_nonce', retryable: false },
        );
      }
      nonces.set(origin, nonce);
    },
    nonce: (origin) => nonces.get(origin),
  };
}
