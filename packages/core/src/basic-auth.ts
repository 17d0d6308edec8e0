import type { Authenticator, RequestDraft } from './authenticator.ts';
import { ConfigError } from './errors.ts';
import { revealSecret, type SecretInput } from './secret.ts';

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
 * @throws {ConfigError} when the username contains a colon or is empty.
 * @example
 * ```ts
 * createFetch({ baseUrl, auth: basicAuth({ username: 'acme', password: secret(process.env.PASSWORD!) }) });
 * ```
 */
export function basicAuth(options: BasicAuthOptions): Authenticator {
  if (typeof options?.username !== 'string' || options.username.length === 0) {
    throw new ConfigError('basicAuth: username must be a non-empty string');
  }
  if (options.username.includes(':'))
    throw new ConfigError('basicAuth: username must not contain ":" (RFC 7617)');
  if (options.password === undefined || options.password === null) {
    throw new ConfigError('basicAuth: password is required');
  }
  const value = `Basic ${toBase64(new TextEncoder().encode(`${options.username}:${revealSecret(options.password)}`))}`;
  const attach = (draft: RequestDraft): void => draft.headers.set('authorization', value);
  return {
    name: 'basic',
    sensitiveHeaders: ['authorization'],
    attach,
  };
}
