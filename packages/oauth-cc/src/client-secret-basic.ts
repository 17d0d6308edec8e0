import type { SecretInput } from '@attache/core';
import type { ClientAuthentication } from './client-authentication.ts';
import { checkClientSecret } from './client-secret.ts';
import { formUrlEncode } from './form-urlencode.ts';

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): `Authorization: Basic base64(id:secret)`, where the id and the
 * secret are each form-urlencoded first, so a `:`, `%`, `+`, space or non-ASCII character in either reaches
 * the server intact. The default method of OAuth 2.0, and of {@link clientCredentialsAuth} when given
 * `clientSecret`.
 *
 * @throws {ConfigError} when the secret is not a non-empty string or `Secret`.
 * @example
 * ```ts
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientAuthentication: clientSecretBasic(secret(process.env.CLIENT_SECRET!)) });
 * ```
 */
export function clientSecretBasic(clientSecret: SecretInput): ClientAuthentication {
  const reveal = checkClientSecret(clientSecret, 'clientSecretBasic');
  return {
    method: 'client_secret_basic',
    usesMutualTls: false,
    apply({ clientId, headers }) {
      // Both halves are ASCII after form-urlencoding, so btoa cannot fail on them.
      const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(reveal())}`;
      headers.set('authorization', `Basic ${btoa(credentials)}`);
    },
  };
}
