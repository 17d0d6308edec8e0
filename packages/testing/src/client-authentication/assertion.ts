import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { ClientAuthContext, ClientAuthResult, MockClient } from '../client-authentication.ts';
import { HMAC_ALGORITHMS, KEY_ALGORITHMS } from './algorithms.ts';
import { failure } from './failure.ts';

function keySetOf(jwks: JSONWebKeySet | JWK | CryptoKey): JWTVerifyGetKey | CryptoKey {
  if (typeof CryptoKey !== 'undefined' && jwks instanceof CryptoKey) return jwks;
  const set = 'keys' in jwks && Array.isArray(jwks.keys) ? (jwks as JSONWebKeySet) : { keys: [jwks as JWK] };
  return createLocalJWKSet(set);
}

/**
 * Verifies a client assertion with jose (RFC 7523 §3): `iss` = `sub` = client id, `aud` the token endpoint
 * or the issuer, `exp` required, `jti` required and single use.
 */
export async function verifyAssertion(
  clientId: string,
  client: MockClient,
  method: 'client_secret_jwt' | 'private_key_jwt',
  assertion: string,
  context: ClientAuthContext,
): Promise<ClientAuthResult> {
  const key =
    method === 'client_secret_jwt'
      ? new TextEncoder().encode(client.clientSecret ?? '')
      : keySetOf(client.jwks as JSONWebKeySet | JWK | CryptoKey);
  let exp: number;
  let jti: string;
  try {
    const verifyOptions = {
      issuer: clientId,
      subject: clientId,
      audience: [context.tokenEndpoint, context.issuer],
      requiredClaims: ['exp', 'jti'],
      algorithms: [...(method === 'client_secret_jwt' ? HMAC_ALGORITHMS : KEY_ALGORITHMS)],
      currentDate: new Date(context.now),
      clockTolerance: context.clockTolerance,
    };
    const { payload } =
      key instanceof Uint8Array || (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey)
        ? await jwtVerify(assertion, key, verifyOptions)
        : await jwtVerify(assertion, key, verifyOptions);
    exp = payload.exp as number;
    jti = String(payload.jti);
  } catch (error) {
    return failure(
      clientId,
      `client_assertion rejected: ${error instanceof Error ? error.message : 'does not verify'}`,
    );
  }
  if (!context.replay.use(`${clientId}\n${jti}`, (exp + context.clockTolerance) * 1000, context.now)) {
    return failure(clientId, 'client_assertion jti was already used');
  }
  return { ok: true, client, method };
}
