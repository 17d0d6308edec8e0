import { SignJWT } from 'jose';
import type { AssertionKey } from './client-assertion.ts';

// Loaded with the first assertion (a dynamic import): the JWT signing code is only carried by clients that
// sign assertions, and by them only once they do.

/** How long a client assertion is valid: RFC 7523 wants it short; a minute covers clock skew and retries. */
const ASSERTION_LIFETIME_S = 60;

/**
 * Signs a client assertion (RFC 7523 §3): `iss` = `sub` = client id, `aud`, a new `jti`, `iat` and `exp` 60 s
 * later.
 */
export function signClientAssertion(
  clientId: string,
  audience: string,
  iat: number,
  signing: AssertionKey,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader(
      signing.kid === undefined ? { alg: signing.alg } : { alg: signing.alg, kid: signing.kid },
    )
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .sign(signing.key);
}
