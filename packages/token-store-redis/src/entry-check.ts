/**
 * Why an entry read from Redis is not handed to the token source: a miss, never a token sent to a partner.
 * - `'undecryptable'`: encryption is on and the entry does not open with any configured key.
 * - `'malformed'`: not the token source's entry (not JSON, another version, a field missing or mistyped).
 * - `'unsafe-value'`: the token or its type holds a character a header cannot carry as it is (CR, LF, NUL,
 *   another control character, non-ASCII, surrounding spaces): written into `Authorization` it could split
 *   the header or smuggle another one.
 */
export type EntryRejectionReason = 'undecryptable' | 'malformed' | 'unsafe-value';

// Visible ASCII with inner spaces: what a credential header value can carry unchanged everywhere.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
// RFC 9110 §5.6.2 token: an authentication scheme name.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isTime(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Checks an entry as the token source writes it (`{ version: 1, accessToken, tokenType, issuedAt,
 * expiresAt, refreshIn?, extra? }`), before the store returns it. `undefined` when it is fit to use.
 */
export function checkEntry(entry: string): EntryRejectionReason | undefined {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return 'malformed';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'malformed';
  const record = value as Record<string, unknown>;
  if (
    record.version !== 1 ||
    typeof record.accessToken !== 'string' ||
    typeof record.tokenType !== 'string' ||
    !isTime(record.issuedAt) ||
    !isTime(record.expiresAt) ||
    (record.refreshIn !== undefined && !isTime(record.refreshIn)) ||
    (record.extra !== undefined &&
      (typeof record.extra !== 'object' || record.extra === null || Array.isArray(record.extra)))
  ) {
    return 'malformed';
  }
  if (record.accessToken === '' || record.tokenType === '') return 'malformed';
  if (!HEADER_SAFE.test(record.accessToken) || !TOKEN.test(record.tokenType)) return 'unsafe-value';
  return undefined;
}
