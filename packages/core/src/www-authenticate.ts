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
  const input = header;
  const challenges: Challenge[] = [];
  let pos = 0;

  const skip = (re: RegExp): void => {
    while (pos < input.length && re.test(input.charAt(pos))) pos++;
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < input.length && TCHAR.test(input.charAt(pos))) pos++;
    return input.slice(start, pos);
  };
  const readQuoted = (): string | undefined => {
    // At the opening quote.
    pos++;
    let value = '';
    while (pos < input.length) {
      const ch = input.charAt(pos);
      if (ch === '\\' && pos + 1 < input.length) {
        value += input.charAt(pos + 1);
        pos += 2;
      } else if (ch === '"') {
        pos++;
        return value;
      } else {
        value += ch;
        pos++;
      }
    }
    return undefined; // unterminated
  };
  // True when the text at `at` is `token BWS "="` that is not the padding of a token68.
  const paramAhead = (at: number): boolean => {
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
  };

  while (pos < input.length) {
    skip(/[\s,]/);
    if (pos >= input.length) break;
    const scheme = readToken();
    if (!scheme) break;
    const params: Record<string, string> = {};
    let token68: string | undefined;
    skip(/[ \t]/);

    if (pos < input.length && input[pos] !== ',' && !paramAhead(pos)) {
      const start = pos;
      while (pos < input.length && TOKEN68_CHAR.test(input.charAt(pos))) pos++;
      while (pos < input.length && input[pos] === '=') pos++;
      if (pos > start) token68 = input.slice(start, pos);
    } else {
      // auth-params, separated by commas, until something that is not `name=` (the next challenge).
      while (pos < input.length) {
        const save = pos;
        skip(/[\s,]/);
        if (!paramAhead(pos)) {
          pos = save;
          break;
        }
        const name = readToken().toLowerCase();
        skip(/[ \t]/);
        pos++; // '='
        skip(/[ \t]/);
        let value: string | undefined;
        if (input[pos] === '"') value = readQuoted();
        else value = readToken();
        if (value === undefined) {
          pos = input.length;
          break;
        }
        if (!(name in params)) params[name] = value;
        skip(/[ \t]/);
        if (pos < input.length && input[pos] !== ',') {
          // Garbage after a parameter: stop parsing here.
          pos = input.length;
          break;
        }
      }
    }
    challenges.push(
      token68 === undefined
        ? { scheme: scheme.toLowerCase(), params }
        : { scheme: scheme.toLowerCase(), params, token68 },
    );
    skip(/[ \t]/);
    if (pos < input.length && input[pos] !== ',') break;
  }
  return challenges;
}
