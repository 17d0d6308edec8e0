import type { WebCryptoKeyPair } from '@attache/core';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { DpopProofInput } from './dpop.ts';
import type { PreparedKey } from './private-key.ts';

// Loaded on a DPoP client's first proof only (a dynamic import), so a client without DPoP never carries jose's
// key generation, export and signing code.

/** A DPoP key ready to sign: the algorithm, the private key and the public JWK for the proof's header. */
export interface DpopKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
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

/** The caller's key pair (checked and prepared already), or a new non-extractable ES256 pair. */
export async function loadDpopKey(
  given: WebCryptoKeyPair | undefined,
  prepared: PreparedKey | undefined,
): Promise<DpopKey> {
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
}

/** RFC 7638 thumbprint of the public key (`cnf.jkt` of bound tokens). */
export function dpopThumbprint(key: DpopKey): Promise<string> {
  return calculateJwkThumbprint(key.publicJwk, 'sha256');
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

/** Signs one proof (RFC 9449 §4.2), with the server's latest nonce when there is one. */
export async function signProof(
  key: DpopKey,
  input: DpopProofInput,
  nonce: string | undefined,
): Promise<string> {
  const claims: Record<string, string> = { htm: input.method.toUpperCase(), htu: proofUri(input.url) };
  if (input.accessToken !== undefined) claims.ath = await accessTokenHash(input.accessToken);
  if (nonce !== undefined) claims.nonce = nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt(Math.floor(input.now / 1000))
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}
