// The error of a token endpoint's refusal, loaded on first use (token-request.ts): the server's text, cleaned of
// any of the request's credentials it echoes.
import { TokenAcquisitionError } from '@attache/core';
import type { OAuthErrorBody } from './token-endpoint-error.ts';

/** The request's credentials, so an error description that echoes one can be cleaned. */
export function sensitiveValues(headers: Headers, body: URLSearchParams): string[] {
  const values: string[] = [];
  for (const name of [
    'client_secret',
    'client_assertion',
    'refresh_token',
    'subject_token',
    'actor_token',
    'assertion',
  ]) {
    const value = body.get(name);
    if (value !== null) values.push(value);
  }
  for (const name of ['authorization', 'dpop']) {
    const value = headers.get(name);
    if (value !== null) values.push(value.replace(/^\S+\s+/, ''));
  }
  const basic = /^Basic\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1];
  if (basic !== undefined) {
    const decoded = atob(basic);
    const secret = decoded.slice(decoded.indexOf(':') + 1);
    values.push(secret, new URLSearchParams(`s=${secret}`).get('s') ?? secret);
  }
  return values;
}

const MAX_CODE = 64;
const MAX_DESCRIPTION = 300;

/** Replaces every occurrence of each value (and its form-encoded spelling) with `[redacted]`. */
export function scrub(text: string, values: readonly string[]): string {
  let result = text;
  for (const value of values) {
    if (value.length < 4) continue;
    for (const spelling of new Set([
      value,
      encodeURIComponent(value),
      new URLSearchParams([['', value]]).toString().slice(1),
    ])) {
      result = result.split(spelling).join('[redacted]');
    }
  }
  return result;
}

// RFC 6749 §5.2: `error` and `error_description` are `%x20-21 / %x23-5B / %x5D-7E`, one line.
const RFC6749_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The server's text when it is what RFC 6749 §5.2 allows (that charset, at most `max` characters), else
 * `undefined`: a multi-line, binary or very long "description" is a dumped body or stack trace, and is not
 * carried into our errors, where it would be logged.
 */
function quotable(text: string, max: number): string | undefined {
  return text.length <= max && RFC6749_TEXT.test(text) ? text : undefined;
}

/**
 * The `TokenAcquisitionError` for an RFC 6749 §5.2 error response: `error`, `errorDescription`, `errorUri`
 * and `status` set; retryable for 429 and 5xx only. The fields are the server's text, with any of the
 * request's credentials it might echo removed.
 */
export function oauthError(
  body: OAuthErrorBody,
  status: number,
  endpoint: string,
  sensitive: readonly string[],
  retryAfter: number | undefined,
): TokenAcquisitionError {
  const description =
    body.error_description === undefined
      ? undefined
      : quotable(scrub(body.error_description, sensitive), MAX_DESCRIPTION);
  // A server may echo the credentials in any of its fields, not only the description.
  const code = quotable(scrub(body.error, sensitive), MAX_CODE);
  const uri =
    body.error_uri === undefined ? undefined : quotable(scrub(body.error_uri, sensitive), MAX_DESCRIPTION);
  const text =
    description !== undefined
      ? `: ${description}`
      : body.error_description === undefined
        ? ''
        : ' (its error_description is not RFC 6749 text and is not quoted)';
  return new TokenAcquisitionError(
    `Token endpoint ${endpoint} refused the request with ${code ?? 'an error code that is not RFC 6749 text'} (HTTP ${status})${text}`,
    {
      error: code ?? 'invalid_error_response',
      errorDescription: description,
      // A page for a person to open: a `javascript:` or `data:` URI would run in whatever page links to it.
      errorUri: uri !== undefined && /^https?:\/\//i.test(uri) ? uri : undefined,
      status,
      retryable: status === 429 || status >= 500,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    },
  );
}
