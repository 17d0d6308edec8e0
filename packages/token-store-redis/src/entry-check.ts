/**
 * Why an entry read from Redis is not handed back: a miss, never a credential sent to a partner.
 * - `'undecryptable'`: encryption is on and the entry does not open with any configured key.
 * - `'malformed'`: not an entry Attaché writes (not JSON, another version, a field missing or mistyped).
 * - `'unsafe-value'`: the token, its type or a refresh token holds a character a header or a form cannot
 *   carry as it is (CR, LF, NUL, another control character, non-ASCII, surrounding spaces): written into
 *   `Authorization` it could split the header or smuggle another one.
 */
export type EntryRejectionReason = 'undecryptable' | 'malformed' | 'unsafe-value';

// Visible ASCII with inner spaces: what a credential header value can carry unchanged everywhere (and RFC
// 6749's VSCHAR, the alphabet of access and refresh tokens).
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
// RFC 9110 §5.6.2 token: an authentication scheme name.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isTime(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token source's entry: `{ version: 1, accessToken, tokenType, issuedAt, expiresAt, refreshIn?, extra? }`. */
function checkTokenEntry(record: Record<string, unknown>): EntryRejectionReason | undefined {
  if (
    typeof record.accessToken !== 'string' ||
    typeof record.tokenType !== 'string' ||
    !isTime(record.issuedAt) ||
    !isTime(record.expiresAt) ||
    (record.refreshIn !== undefined && !isTime(record.refreshIn)) ||
    (record.extra !== undefined && !isObject(record.extra))
  ) {
    return 'malformed';
  }
  if (record.accessToken === '' || record.tokenType === '') return 'malformed';
  if (!HEADER_SAFE.test(record.accessToken) || !TOKEN.test(record.tokenType)) return 'unsafe-value';
  return undefined;
}

/** A refresh token kept for an account (`refreshTokenAuth` of `@attache/oauth-cc`): `{ version: 1, refreshToken }`. */
function checkRefreshEntry(record: Record<string, unknown>): EntryRejectionReason | undefined {
  if (typeof record.refreshToken !== 'string' || record.refreshToken === '') return 'malformed';
  return HEADER_SAFE.test(record.refreshToken) ? undefined : 'unsafe-value';
}

/** Checks an entry before the store returns it. `undefined` when it is fit to use. */
export function checkEntry(entry: string): EntryRejectionReason | undefined {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return 'malformed';
  }
  if (!isObject(value) || value.version !== 1) return 'malformed';
  if ('accessToken' in value) return checkTokenEntry(value);
  if ('refreshToken' in value) return checkRefreshEntry(value);
  return 'malformed';
}
