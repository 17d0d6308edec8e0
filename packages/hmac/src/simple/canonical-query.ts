// The simple scheme's canonical query: parse the query the way servers do (application/x-www-form-urlencoded,
// so `+` and `%20` are both a space, as `URLSearchParams` reads them), percent-encode every name and value
// with RFC 3986's unreserved set, then sort by name, then by value. Two queries a server reads the same get
// the same canonical form; two it reads differently never do.
import { percentEncode } from '../percent-encode.ts';

/**
 * The canonical form of a URL's query (`url.search`, with or without its leading `?`): `a=1&b=x%20y`.
 * Empty for a URL without a query.
 */
export function canonicalQuery(search: string): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of new URLSearchParams(search)) {
    pairs.push([percentEncode(name), percentEncode(value)]);
  }
  // Code-unit order of ASCII strings is byte order: the same everywhere, unlike localeCompare.
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}
