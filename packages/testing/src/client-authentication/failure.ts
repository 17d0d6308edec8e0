import type { ClientAuthResult } from '../client-authentication.ts';
import { oauthFailure } from '../oauth-error.ts';

/** A refused client authentication. */
export type ClientAuthFailure = Extract<ClientAuthResult, { readonly ok: false }>;

/** `invalid_client` (401) unless said otherwise; a client that tried Basic gets a challenge for it. */
export function failure(
  clientId: string | undefined,
  description: string,
  options: {
    readonly basic?: boolean;
    readonly issuer?: string;
    readonly error?: 'invalid_client' | 'invalid_request';
  } = {},
): ClientAuthFailure {
  const error = options.error ?? 'invalid_client';
  const status = error === 'invalid_client' ? 401 : 400;
  // RFC 6749 §5.2: a client that tried the Authorization header gets 401 with a challenge for its scheme.
  const headers =
    options.basic === true && error === 'invalid_client'
      ? { 'www-authenticate': `Basic realm="${options.issuer ?? 'token'}", charset="UTF-8"` }
      : undefined;
  return { ...oauthFailure(status, error, description, headers), clientId };
}
