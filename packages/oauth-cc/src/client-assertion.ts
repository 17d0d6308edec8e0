import { ConfigError, type WebCryptoKey } from '@attache/core';
import type { ClientAuthenticationRequest } from './client-authentication.ts';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The `aud` of a client assertion: the token endpoint URL (default, RFC 7523 §3), the issuer identifier
 * (what newer guidance and FAPI 2.0 prefer), or an exact value a server documents.
 */
export type AssertionAudience = 'token-endpoint' | 'issuer' | (string & {});

export function checkAssertionAudience(value: unknown, factory: string): AssertionAudience {
  if (value === undefined) return 'token-endpoint';
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${factory}: audience must be 'token-endpoint', 'issuer' or a non-empty string`);
  }
  return value;
}

function resolveAudience(audience: AssertionAudience, request: ClientAuthenticationRequest): string {
  if (audience === 'token-endpoint') return request.tokenEndpoint;
  if (audience === 'issuer') {
    if (request.issuer === undefined) {
      throw new ConfigError(
        "client assertion audience 'issuer' needs the issuer: pass issuer to clientCredentialsAuth",
      );
    }
    return request.issuer;
  }
  return audience;
}

/** Signing material for one assertion. */
export interface AssertionKey {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly key: WebCryptoKey | Uint8Array;
}

/**
 * Signs a fresh client assertion (RFC 7523 §3): `iss` = `sub` = client id, `aud`, a new `jti`, `iat` now and
 * `exp` 60 s later, then puts it in the body with its type. A new one per attempt: servers refuse a reused `jti`.
 */
export async function addClientAssertion(
  request: ClientAuthenticationRequest,
  audience: AssertionAudience,
  signing: AssertionKey,
): Promise<void> {
  const iat = Math.floor(request.now() / 1000);
  const aud = resolveAudience(audience, request);
  const { signClientAssertion } = await import('./client-assertion-jwt.ts');
  const assertion = await signClientAssertion(request.clientId, aud, iat, signing);
  request.body.set('client_id', request.clientId);
  request.body.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
  request.body.set('client_assertion', assertion);
}
