import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { accessTokenHash } from '../../src/index.ts';

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Authorization: Basic` as RFC 6749 §2.3.1 wants it: id and secret form-urlencoded, then base64. */
export function basicAuthorization(clientId: string, clientSecret: string, encode = true): string {
  const pair = encode ? `${formEncode(clientId)}:${formEncode(clientSecret)}` : `${clientId}:${clientSecret}`;
  const bytes = new TextEncoder().encode(pair);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

export interface TokenRequestInit {
  readonly params?: Readonly<Record<string, string | readonly string[]>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly grantType?: string | null;
}

/** POSTs a client credentials token request. */
export function requestToken(tokenEndpoint: string, init: TokenRequestInit = {}): Promise<Response> {
  const body = new URLSearchParams();
  if (init.grantType !== null) body.set('grant_type', init.grantType ?? 'client_credentials');
  for (const [name, value] of Object.entries(init.params ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) body.append(name, item);
  }
  return fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body,
  });
}

export interface AssertionOptions {
  readonly clientId: string;
  readonly audience: string | string[];
  readonly alg: string;
  readonly key: CryptoKey | Uint8Array;
  readonly kid?: string;
  readonly jti?: string | null;
  readonly expiresIn?: number;
  readonly issuer?: string;
  readonly now?: number;
}

/** A client assertion (RFC 7523) signed with jose. */
export function clientAssertion(options: AssertionOptions): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: options.alg, ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setIssuer(options.issuer ?? options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 60));
  if (options.jti !== null) jwt.setJti(options.jti ?? crypto.randomUUID());
  return jwt.sign(options.key);
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

export async function dpopKey(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export interface ProofOptions {
  readonly htm: string;
  readonly htu: string;
  readonly nonce?: string;
  readonly accessToken?: string;
  readonly iat?: number;
  readonly jti?: string;
  readonly typ?: string;
  readonly alg?: string;
  readonly jwk?: JWK;
}

/** A DPoP proof (RFC 9449 §4.2) signed with jose. */
export async function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = { htm: options.htm, htu: options.htu };
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  if (options.accessToken !== undefined) claims.ath = await accessTokenHash(options.accessToken);
  return new SignJWT(claims)
    .setProtectedHeader({
      typ: options.typ ?? 'dpop+jwt',
      alg: options.alg ?? 'ES256',
      jwk: options.jwk ?? key.publicJwk,
    })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? crypto.randomUUID())
    .sign(key.privateKey);
}
