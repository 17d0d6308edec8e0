// Canonical query string (SigV4 CanonicalQueryString): each parameter's name and value decoded from the query as
// sent and URI-encoded again, `name=value` (`name=` for a bare name), sorted by encoded name, then by the whole
// pair; `X-Amz-Signature` left out so a presigned URL can be checked. `+` is a literal plus sign here, as in
// RFC 3986 (AWS reads it so); write a space as `%20`.
import { percentEncode } from '../percent-encode.ts';

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A `%` that starts no escape is a literal percent sign.
    return text;
  }
}

/** The canonical query of `search` (`URL.search`, with or without its `?`). */
export function canonicalQuery(search: string): string {
  const byName = new Map<string, string[]>();
  for (const piece of (search.startsWith('?') ? search.slice(1) : search).split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = decode(eq === -1 ? piece : piece.slice(0, eq));
    if (name.toLowerCase() === 'x-amz-signature') continue;
    const value = eq === -1 ? '' : decode(piece.slice(eq + 1));
    const key = percentEncode(name);
    const pair = `${key}=${percentEncode(value)}`;
    const list = byName.get(key);
    if (list === undefined) byName.set(key, [pair]);
    else list.push(pair);
  }
  // Encoded names and pairs are ASCII: code-unit order is byte order, as AWS sorts.
  return [...byName.keys()]
    .sort()
    .map((key) => byName.get(key)!.sort().join('&'))
    .join('&');
}
