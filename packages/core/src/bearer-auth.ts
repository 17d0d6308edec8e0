import type { Authenticator, ChallengeOutcome, RequestDraft } from './authenticator.ts';
import { ConfigError } from './errors.ts';
import { checkHeaderValue } from './header-value.ts';
import type { SecretInput } from './secret.ts';

/** A credential given as a value or read from a (possibly async) provider. */
export type CredentialInput = SecretInput | (() => SecretInput | Promise<SecretInput>);

/** Options of {@link bearerAuth}. */
export interface BearerAuthOptions {
  /**
   * The token, or a provider called on every attempt (cache inside it if fetching is costly; for tokens that
   * expire use `createTokenSource` + `tokenAuth`). On a 401 the provider is read again and the call replayed
   * once if the token changed.
   */
  readonly token: CredentialInput;
  /** The scheme word. Default `Bearer`. */
  readonly scheme?: string;
}

/** Reads the credential, checked header-safe: a provider's answer is a configured value too. */
function readCredential(input: CredentialInput, field = 'bearerAuth: token'): Promise<string> | string {
  if (typeof input !== 'function') return checkHeaderValue(input, field, 'config');
  return Promise.resolve(input()).then((value) =>
    checkHeaderValue(value, `${field} provider result`, 'config'),
  );
}

function checkCredentialInput(input: unknown, field: string): void {
  if (typeof input === 'function') return;
  checkHeaderValue(input, field, 'config');
}

/**
 * Sends `Authorization: Bearer <token>` (RFC 6750). A static token cannot be refreshed, so a 401 is final;
 * a provider is re-read on 401 and the call replayed once if it returned a different token.
 *
 * @throws {ConfigError} when `token` (or what its provider returns) is missing, empty or not header-safe
 *   (CR, LF, controls, spaces, non-ASCII); the message names the field, never the value.
 * @example
 * ```ts
 * createFetch({ baseUrl, auth: bearerAuth({ token: secret(process.env.PARTNER_TOKEN!) }) });
 * ```
 */
export function bearerAuth(options: BearerAuthOptions): Authenticator {
  checkCredentialInput(options?.token, 'bearerAuth: token');
  const scheme = options.scheme ?? 'Bearer';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(scheme))
    throw new ConfigError(`bearerAuth: scheme "${scheme}" is not a token`);
  const attach = (draft: RequestDraft): Promise<void> | void => {
    const set = (token: string): void => draft.headers.set('authorization', `${scheme} ${token}`);
    const token = readCredential(options.token);
    return typeof token === 'string' ? set(token) : token.then(set);
  };
  return {
    name: 'bearer',
    sensitiveHeaders: ['authorization'],
    attach,
    async challenge(_response, sent): Promise<ChallengeOutcome> {
      if (typeof options.token !== 'function') return 'fail';
      const fresh = await readCredential(options.token);
      return sent.headers.get('authorization') !== `${scheme} ${fresh}` ? 'replay' : 'fail';
    },
  };
}

export { checkCredentialInput, readCredential };
