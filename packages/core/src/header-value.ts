import { ConfigError, TokenAcquisitionError } from './errors.ts';

/**
 * Where a credential value came from, which decides the error it gets: `config` (options, a `Secret`, a
 * provider's result) → `ConfigError`; `endpoint` (a token endpoint's answer) and `store` (a `TokenStore`
 * entry) → `TokenAcquisitionError`.
 */
export type HeaderValueOrigin = 'config' | 'endpoint' | 'store';

/**
 * Which characters a value may hold.
 * - `token`: visible ASCII (`%x21-7E`), what a token, key or nonce written as is into a header or query is.
 * - `printable`: visible ASCII with single spaces inside (never at either end, where fetch would trim them).
 * - `text`: any Unicode text without control, format or separator characters: for values that are encoded
 *   before they travel (the user and password of `Basic`, a client secret).
 */
export type HeaderValueCharset = 'token' | 'printable' | 'text';

// Control (Cc), format (Cf: zero-width and bidi marks, BOM), line and paragraph separators, lone surrogates
// (which UTF-8 cannot carry: they would arrive as U+FFFD, a different credential).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Reads a string or a `Secret` (from any copy of the package). Anything else is `undefined`.
 */
function reveal(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const read = (value as { reveal?: unknown }).reveal;
  if (typeof read !== 'function') return undefined;
  const revealed: unknown = read.call(value);
  return typeof revealed === 'string' ? revealed : undefined;
}

/**
 * What is wrong with `value` as a credential to send, in words that never quote it; `undefined` when it is
 * fine. Exported for callers that throw their own subclass (a `TokenResponseError` naming the field).
 */
export function headerValueProblem(value: string, charset: HeaderValueCharset = 'token'): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.includes('\r') || value.includes('\n')) return 'contains a line break (CR or LF)';
  if (value.includes('\0')) return 'contains a NUL character';
  if (charset === 'text') {
    if (INVISIBLE.test(value)) return 'contains a control, format or separator character';
    return undefined;
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x21 && code <= 0x7e) continue;
    if (code < 0x20 || code === 0x7f) return 'contains a control character';
    if (code === 0x20) {
      if (charset === 'printable' && i > 0 && i < value.length - 1) continue;
      return charset === 'printable' ? 'begins or ends with a space' : 'contains a space';
    }
    return 'contains a character outside visible ASCII';
  }
  return undefined;
}

/**
 * Checks a credential before it is written into a header or a query, and returns it as a string. Refuses a
 * value that is not a string or `Secret`, is empty, or holds characters a header cannot carry unchanged (CR,
 * LF, NUL, other controls, and per `charset` spaces or non-ASCII). The error names `field` and never
 * contains the value, so it is safe to log.
 *
 * @param field What the value is, for the message: `bearerAuth: token`, `access_token from the token endpoint`.
 * @throws {ConfigError} for `origin` `config`.
 * @throws {TokenAcquisitionError} (not retryable) for `origin` `endpoint` or `store`.
 * @example
 * ```ts
 * const token = checkHeaderValue(await provider(), 'myAuth: token provider result', 'config');
 * draft.headers.set('authorization', `Bearer ${token}`);
 * ```
 */
export function checkHeaderValue(
  value: unknown,
  field: string,
  origin: HeaderValueOrigin,
  charset: HeaderValueCharset = 'token',
): string {
  const text = reveal(value);
  const problem =
    text === undefined
      ? `is not a string or a Secret (got ${describe(value)})`
      : headerValueProblem(text, charset);
  if (problem === undefined) return text as string;
  const message = `${field} ${problem}; it cannot be sent`;
  if (origin === 'config') throw new ConfigError(message);
  throw new TokenAcquisitionError(message, {
    error: origin === 'store' ? 'invalid_store_entry' : 'invalid_token_response',
    retryable: false,
  });
}
