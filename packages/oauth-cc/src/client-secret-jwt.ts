import { ConfigError, type SecretInput } from '@attache/core';
import { type AssertionAudience, addClientAssertion, checkAssertionAudience } from './client-assertion.ts';
import type { ClientAuthentication } from './client-authentication.ts';
import { checkClientSecret } from './client-secret.ts';

/** HMAC algorithms for `client_secret_jwt`. */
export type ClientSecretJwtAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Options of {@link clientSecretJwt}. */
export interface ClientSecretJwtOptions {
  /** The HMAC algorithm. Default `HS256`. */
  readonly alg?: ClientSecretJwtAlgorithm;
  /** The assertion's `aud`. Default `'token-endpoint'` (the token endpoint URL). */
  readonly audience?: AssertionAudience;
}

const ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

/**
 * `client_secret_jwt` (RFC 7523, OpenID Connect Core §9): a short-lived JWT signed with the client secret
 * (HMAC) instead of the secret itself, so the secret never travels. Use it when the server supports it and
 * you have a shared secret; `private_key_jwt` is better still (no shared secret at all).
 *
 * @throws {ConfigError} when the secret is empty or not a string/`Secret`, or `alg`/`audience` is invalid.
 * @example
 * ```ts
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientAuthentication: clientSecretJwt(secret(process.env.CLIENT_SECRET!)) });
 * ```
 */
export function clientSecretJwt(
  clientSecret: SecretInput,
  options: ClientSecretJwtOptions = {},
): ClientAuthentication {
  const reveal = checkClientSecret(clientSecret, 'clientSecretJwt');
  const alg = options.alg ?? 'HS256';
  if (!ALGORITHMS.includes(alg)) {
    throw new ConfigError(`clientSecretJwt: alg must be HS256, HS384 or HS512, got ${String(alg)}`);
  }
  const audience = checkAssertionAudience(options.audience, 'clientSecretJwt');
  return {
    method: 'client_secret_jwt',
    usesMutualTls: false,
    apply: (request) =>
      addClientAssertion(request, audience, {
        alg,
        kid: undefined,
        key: new TextEncoder().encode(reveal()),
      }),
  };
}
