import { Secret, type TokenResponse, TokenResponseError } from '@attache/core';
import {
  type FieldCheck,
  invalidField,
  isJsonObject,
  isNonEmptyString,
  isString,
  optional,
  serverFields,
} from './json-fields.ts';

const SECONDS = /^\s*\d+(?:\.\d+)?\s*$/;

/** A number of seconds: a finite number, or a string of digits (some servers quote it); `null` is absent. */
const seconds: FieldCheck = (value) =>
  value === undefined ||
  value === null ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  (typeof value === 'string' && SECONDS.test(value));

const TOKEN_RESPONSE: Readonly<Record<Field, FieldCheck>> = {
  access_token: isNonEmptyString,
  token_type: isNonEmptyString,
  expires_in: seconds,
  refresh_in: seconds,
  scope: optional(isString),
  refresh_token: optional(isNonEmptyString),
};

/** The fields of RFC 6749 §5.1 this package reads, as the token response carries them. */
interface TokenResponseBody {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in?: number | string | null;
  readonly refresh_in?: number | string | null;
  readonly refresh_token?: string;
  readonly [field: string]: unknown;
}

/** A token response as a grant sees it: the access token for the token source, and a rotated refresh token. */
export interface GrantResponse extends TokenResponse {
  /** The `refresh_token` the server issued with this response (a rotation), when it issued one. */
  readonly refreshToken?: Secret | undefined;
}

// Never copied into `Token.extra` (which a token store persists): credentials, or fields read above.
const NOT_EXTRA = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token_type',
  'expires_in',
  'refresh_in',
]);

type Field = 'access_token' | 'token_type' | 'expires_in' | 'refresh_in' | 'scope' | 'refresh_token';

const MESSAGES: Readonly<Record<Field, string>> = {
  access_token: 'Token response has no access_token (a non-empty string is required)',
  token_type: 'Token response has no token_type (RFC 6749 §5.1 requires it)',
  expires_in: 'Token response field expires_in is not a number of seconds',
  refresh_in: 'Token response field refresh_in is not a number of seconds',
  scope: 'Token response field scope is not a string',
  refresh_token: 'Token response field refresh_token is not a non-empty string',
};

/** What the token response's `token_type` allows. */
export type TokenTypeCheck = { readonly dpop: boolean };

function short(value: string): string {
  return value.length > 32 ? `${value.slice(0, 32)}…` : value;
}

/**
 * Validates a successful token response (RFC 6749 §5.1) and maps it onto the token source's shape.
 * `token_type` is compared case-insensitively: `Bearer`, and `DPoP` when DPoP is configured; anything else
 * (`N_A`, `mac`, …) cannot be sent and is refused.
 *
 * @throws {TokenResponseError} naming the field; messages never contain the token.
 */
export function parseTokenResponse(
  json: unknown,
  serverDate: string | null,
  check: TokenTypeCheck,
): GrantResponse {
  if (!isJsonObject(json)) throw new TokenResponseError('access_token', MESSAGES.access_token);
  const field = invalidField(json, TOKEN_RESPONSE) as Field | undefined;
  if (field !== undefined) throw new TokenResponseError(field, MESSAGES[field]);
  const body = json as TokenResponseBody;
  const type = body.token_type.toLowerCase();
  let tokenType: string;
  if (type === 'bearer') tokenType = 'Bearer';
  else if (type === 'dpop') {
    if (!check.dpop) {
      throw new TokenResponseError(
        'token_type',
        'The token endpoint issued a DPoP-bound token (token_type DPoP), but dpop is not configured',
      );
    }
    tokenType = 'DPoP';
  } else {
    throw new TokenResponseError(
      'token_type',
      `The token endpoint issued token_type ${JSON.stringify(short(body.token_type))}; only Bearer and DPoP tokens can be sent`,
    );
  }
  const extra = serverFields(body, NOT_EXTRA);
  return {
    accessToken: new Secret(body.access_token),
    tokenType,
    expiresIn: body.expires_in,
    refreshIn: body.refresh_in,
    serverDate,
    extra,
    ...(body.refresh_token === undefined ? {} : { refreshToken: new Secret(body.refresh_token) }),
  };
}
