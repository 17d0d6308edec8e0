import type { Authenticator, RequestDraft } from './authenticator.ts';
import { ConfigError } from './errors.ts';
import { checkHeaderValue } from './header-value.ts';
import type { SecretInput } from './secret.ts';

/** Options of {@link basicAuth}. */
export interface BasicAuthOptions {
  readonly username: string;
  readonly password: SecretInput;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * HTTP Basic authentication (RFC 7617) with UTF-8 encoding of `username:password`, so non-ASCII
 * credentials work. Only over https (or loopback): Basic sends the password on every request.
 *
 * @throws {ConfigError} when the username contains a colon, or either is empty, not a string or holds
 *   control characters; the message names the field, never the value.
 * @example
 * ```ts
 * createFetch({ baseUrl, auth: basicAuth({ username: 'acme', password: secret(process.env.PASSWORD!) }) });
 * ```
 */
export function basicAuth(options: BasicAuthOptions): Authenticator {
  // Both travel base64-encoded, so any text is safe on the wire; controls are refused all the same, since
  // they are mistakes (a trailing newline read from a file) the server would see as a wrong password.
  const username = checkHeaderValue(options?.username, 'basicAuth: username', 'config', 'text');
  if (username.includes(':')) throw new ConfigError('basicAuth: username must not contain ":" (RFC 7617)');
  const password = checkHeaderValue(options.password, 'basicAuth: password', 'config', 'text');
  const value = `Basic ${toBase64(new TextEncoder().encode(`${username}:${password}`))}`;
  const attach = (draft: RequestDraft): void => draft.headers.set('authorization', value);
  return {
    name: 'basic',
    sensitiveHeaders: ['authorization'],
    attach,
  };
}
