import { isBrandedError, TokenAcquisitionError } from '../errors.ts';

/** The field of a token response that {@link TokenResponseError} found unusable. */
export type TokenResponseField =
  | 'access_token'
  | 'token_type'
  | 'expires_in'
  | 'refresh_in'
  | 'exp'
  | 'scope'
  | 'refresh_token';

/**
 * The token endpoint answered, but a field of its answer cannot be used: an empty access token, an
 * `expires_in` that is zero, negative or not a number, a JWT whose `exp` has already passed. `field` names
 * it; the message never contains the token. A `TokenAcquisitionError` (code `TOKEN_ACQUISITION`,
 * `error` = `invalid_token_response`), so code that handles token failures handles this one too.
 *
 * @example
 * ```ts
 * try {
 *   await source.get();
 * } catch (error) {
 *   if (error instanceof TokenResponseError) console.error(`bad ${error.field} from the token endpoint`);
 * }
 * ```
 */
export class TokenResponseError extends TokenAcquisitionError {
  override name = 'TokenResponseError';
  /** The offending field (`access_token`, `token_type`, `expires_in`, `refresh_in`, `exp`, `scope` or `refresh_token`). */
  readonly field: TokenResponseField;

  constructor(field: TokenResponseField, message: string) {
    super(message, { error: 'invalid_token_response', retryable: false });
    this.field = field;
  }
}

/**
 * True for a {@link TokenResponseError}, including one from another copy of the package. It shares its
 * code with every `TokenAcquisitionError`, so the `name` tells it apart.
 */
export function isTokenResponseError(value: unknown): value is TokenResponseError {
  return isBrandedError(value, TokenResponseError, ['TOKEN_ACQUISITION'], 'TokenResponseError');
}
