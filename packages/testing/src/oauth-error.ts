/** Error codes the mock authorization server answers with (RFC 6749 §5.2, RFC 8707 §2, RFC 9449 §5). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** A token request the mock authorization server refused, as recorded for assertions. */
export interface TokenRejection {
  readonly status: number;
  readonly error: OAuthErrorCode;
  /** The `error_description` sent. Never contains a credential. */
  readonly description: string;
  /** The client the request claimed to be, when it said. */
  readonly clientId: string | undefined;
}

/** A failed check: the error, its status, and any headers it needs (`WWW-Authenticate`, `DPoP-Nonce`). */
export interface OAuthFailure {
  readonly ok: false;
  readonly status: number;
  readonly error: OAuthErrorCode;
  readonly description: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function oauthFailure(
  status: number,
  error: OAuthErrorCode,
  description: string,
  headers?: Readonly<Record<string, string>>,
): OAuthFailure {
  return headers === undefined
    ? { ok: false, status, error, description }
    : { ok: false, status, error, description, headers };
}

/** The RFC 6749 §5.2 error response for a failure. */
export function oauthErrorResponse(failure: OAuthFailure): Response {
  return Response.json(
    { error: failure.error, error_description: failure.description },
    {
      status: failure.status,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...failure.headers },
    },
  );
}
