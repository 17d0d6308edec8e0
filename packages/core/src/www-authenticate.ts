/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface Challenge {
  /** The auth scheme, lower case (`bearer`, `dpop`, `basic`, …). */
  readonly scheme: string;
  /** Parameters with lower-case names; quoted values are unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form, when the challenge uses it instead of parameters. */
  readonly token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/** The header being parsed and how far the parser has read. */
interface Cursor {
  readonly input: string;
  pos: number;
}

function skip(cursor: Cursor, re: RegExp): void {
  const { input } = cursor;
  while (cursor.pos < input.length && re.test(input.charAt(cursor.pos))) cursor.pos++;
}

function readToken(cursor: Cursor): string {
  const { input } = cursor;
  const start = cursor.pos;
  while (cursor.pos < input.length && TCHAR.test(input.charAt(cursor.pos))) cursor.pos++;
  return input.slice(start, cursor.pos);
}

/** A quoted-string with its escapes undone, read from its opening quote; `undefined` when unterminated. */
function readQuoted(cursor: Cursor): string | undefined {
  const { input } = cursor;
  cursor.pos++;
  let value = '';
  while (cursor.pos < input.length) {
    const ch = input.charAt(cursor.pos);
    if (ch === '\\' && cursor.pos + 1 < input.length) {
      value += input.charAt(cursor.pos + 1);
      cursor.pos += 2;
    } else if (ch === '"') {
      cursor.pos++;
      return value;
    } else {
      value += ch;
      cursor.pos++;
    }
  }
  return undefined;
}

/** True when the text at `at` is `token BWS "="` that is not the padding of a token68. */
function paramAhead(input: string, at: number): boolean {
  let i = at;
  const start = i;
  while (i < input.length && TCHAR.test(input.charAt(i))) i++;
  if (i === start) return false;
  while (i < input.length && (input[i] === ' ' || input[i] === '\t')) i++;
  if (input[i] !== '=') return false;
  i++;
  // `name==` or `name=` followed by the end or a comma is a token68 with padding, not a parameter.
  if (input[i] === '=') return false;
  while (i < input.length && (input[i] === ' ' || input[i] === '\t')) i++;
  if (i >= input.length || input[i] === ',') return false;
  return true;
}

function readToken68(cursor: Cursor): string | undefined {
  const { input } = cursor;
  const start = cursor.pos;
  while (cursor.pos < input.length && TOKEN68_CHAR.test(input.charAt(cursor.pos))) cursor.pos++;
  while (cursor.pos < input.length && input[cursor.pos] === '=') cursor.pos++;
  return cursor.pos > start ? input.slice(start, cursor.pos) : undefined;
}

/**
 * auth-params, separated by commas, until something that is not `name=` (the next challenge). Malformed
 * text (an unterminated quote, garbage after a value) moves the cursor to the end: the rest is ignored.
 */
function readParams(cursor: Cursor): Record<string, string> {
  const { input } = cursor;
  const params: Record<string, string> = {};
  while (cursor.pos < input.length) {
    const save = cursor.pos;
    skip(cursor, /[\s,]/);
    if (!paramAhead(input, cursor.pos)) {
      cursor.pos = save;
      break;
    }
    const name = readToken(cursor).toLowerCase();
    skip(cursor, /[ \t]/);
    cursor.pos++; // '='
    skip(cursor, /[ \t]/);
    const value = input[cursor.pos] === '"' ? readQuoted(cursor) : readToken(cursor);
    if (value === undefined) {
      cursor.pos = input.length;
      break;
    }
    if (!(name in params)) params[name] = value;
    skip(cursor, /[ \t]/);
    if (cursor.pos < input.length && input[cursor.pos] !== ',') {
      cursor.pos = input.length;
      break;
    }
  }
  return params;
}

/** The challenge at the cursor, or `undefined` when there is no scheme there. */
function readChallenge(cursor: Cursor): Challenge | undefined {
  const { input } = cursor;
  const scheme = readToken(cursor).toLowerCase();
  if (!scheme) return undefined;
  skip(cursor, /[ \t]/);
  if (cursor.pos < input.length && input[cursor.pos] !== ',' && !paramAhead(input, cursor.pos)) {
    const token68 = readToken68(cursor);
    return token68 === undefined ? { scheme, params: {} } : { scheme, params: {}, token68 };
  }
  return { scheme, params: readParams(cursor) };
}

/**
 * Parses a `WWW-Authenticate` header value into its challenges, following the RFC 9110 grammar:
 * `#challenge`, `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`. It never throws: a malformed
 * tail is ignored and what parsed before it is returned.
 *
 * @example
 * ```ts
 * parseWwwAuthenticate('Bearer realm="api", error="invalid_token", DPoP algs="ES256"');
 * // [{ scheme: 'bearer', params: { realm: 'api', error: 'invalid_token' } },
 * //  { scheme: 'dpop', params: { algs: 'ES256' } }]
 * ```
 */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const cursor: Cursor = { input: header, pos: 0 };
  const challenges: Challenge[] = [];
  while (cursor.pos < header.length) {
    skip(cursor, /[\s,]/);
    if (cursor.pos >= header.length) break;
    const challenge = readChallenge(cursor);
    if (challenge === undefined) break;
    challenges.push(challenge);
    skip(cursor, /[ \t]/);
    if (cursor.pos < header.length && header[cursor.pos] !== ',') break;
  }
  return challenges;
}
