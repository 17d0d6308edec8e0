import type { SecretInput } from '@attache/core';
import type { ClientAuthentication } from './client-authentication.ts';
import { checkClientSecret } from './client-secret.ts';
import { formUrlEncode } from './form-urlencode.ts';

/**
 * RFC 6749 §2.3.1's encoding of the id and the secret, with a space as `%20` rather than `+`. Servers decode
 * these two ways: form-decoding (`+` and `%20` are both a space) or plain percent-decoding (only `%20` is;
 * Authlib, and every server that calls `unquote`/`decodeURIComponent`). `%20` is read as a space by both,
 * `+` by one only. A `+` in the output of form-urlencoding is always a space: a literal `+` is `%2B`.
 */
export function encodeBasicCredential(value: string): string {
  return formUrlEncode(value).replaceAll('+', '%20');
}

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): `Authorization: Basic base64(id:secret)`, where the id and the
 * secret are each percent-encoded first (form-urlencoding, with `%20` for a space so that servers which
 * only percent-decode read it too), so a `:`, `%`, `+`, `/`, `=`, `&`, space or non-ASCII character in
 * either reaches the server intact. The default method of OAuth 2.0, and of {@link clientCredentialsAuth}
 * when given `clientSecret`.
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
      // Both halves are ASCII once encoded, so btoa cannot fail on them.
      const credentials = `${encodeBasicCredential(clientId)}:${encodeBasicCredential(reveal())}`;
      headers.set('authorization', `Basic ${btoa(credentials)}`);
    },
  };
}
