import type { SecretInput } from '@attache/core';
import type { ClientAuthentication } from './client-authentication.ts';
import { checkClientSecret } from './client-secret.ts';

/**
 * `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` in the form body. For servers that
 * do not accept the `Authorization` header; prefer `client_secret_basic` otherwise.
 *
 * @throws {ConfigError} when the secret is not a non-empty string or `Secret`.
 * @example
 * ```ts
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientAuthentication: clientSecretPost(secret(process.env.CLIENT_SECRET!)) });
 * ```
 */
export function clientSecretPost(clientSecret: SecretInput): ClientAuthentication {
  const reveal = checkClientSecret(clientSecret, 'clientSecretPost');
  return {
    method: 'client_secret_post',
    usesMutualTls: false,
    apply({ clientId, body }) {
      body.set('client_id', clientId);
      body.set('client_secret', reveal());
    },
  };
}
