import { TokenAcquisitionError } from '@attache/core';
import * as z from 'zod/mini';

const ErrorSchema = z.looseObject({
  error: z.string().check(z.minLength(1)),
  error_description: z.optional(z.string()),
  error_uri: z.optional(z.string()),
});

/** An RFC 6749 §5.2 error body, if `json` is one. */
export interface OAuthErrorBody {
  readonly error: string;
  readonly error_description?: string | undefined;
  readonly error_uri?: string | undefined;
}

export function parseOAuthError(json: unknown): OAuthErrorBody | undefined {
  const parsed = ErrorSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

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

/**
 * The `TokenAcquisitionError` for an RFC 6749 §5.2 error response: `error`, `errorDescription`, `errorUri`
 * and `status` set; retryable for 429 and 5xx only. The description is the server's text, with any of the
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
    body.error_description === undefined ? undefined : scrub(body.error_description, sensitive);
  const text = description === undefined ? '' : `: ${description}`;
  return new TokenAcquisitionError(
    `Token endpoint ${endpoint} refused the request with ${body.error} (HTTP ${status})${text}`,
    {
      error: body.error,
      errorDescription: description,
      errorUri: body.error_uri,
      status,
      retryable: status === 429 || status >= 500,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    },
  );
}
