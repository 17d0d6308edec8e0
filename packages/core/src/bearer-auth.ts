import type { Authenticator, ChallengeOutcome, RequestDraft } from './authenticator.ts';
import { ConfigError } from './errors.ts';
import { revealSecret, type SecretInput } from './secret.ts';

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

function readCredential(input: CredentialInput): Promise<string> | string {
  if (typeof input !== 'function') return revealSecret(input);
  return Promise.resolve(input()).then(revealSecret);
}

function checkCredentialInput(input: unknown, field: string): void {
  if (typeof input === 'function') return;
  const value =
    typeof input === 'string' ? input : (input as { reveal?: () => string } | undefined)?.reveal?.();
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${field} must be a non-empty string, a Secret, or a function returning one`);
  }
}

/**
 * Sends `Authorization: Bearer <token>` (RFC 6750). A static token cannot be refreshed, so a 401 is final;
 * a provider is re-read on 401 and the call replayed once if it returned a different token.
 *
 * @throws {ConfigError} when `token` is missing or empty.
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
