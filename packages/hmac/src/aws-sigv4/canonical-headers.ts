// Canonical headers and signed headers (SigV4 CanonicalHeaders, SignedHeaders): names lower-cased and sorted,
// values trimmed with runs of whitespace folded to one space, repeated names joined with `,`. Headers that
// proxies and browsers add, drop or rewrite on the way are never signed (the same list the AWS SDKs keep), or
// the partner would see a signature over a header it did not receive.
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

export interface CanonicalHeaders {
  /** `name:value` lines, each followed by `\n`. */
  readonly canonical: string;
  /** `name;name;...` */
  readonly signed: string;
}

export function isSignableHeader(name: string): boolean {
  return !UNSIGNABLE.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-');
}

/** Canonical headers of `[name, value]` pairs (as a `Headers` iterates, or repeated names from a raw request). */
export function canonicalHeaders(pairs: Iterable<readonly [string, string]>): CanonicalHeaders {
  const values = new Map<string, string[]>();
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (!isSignableHeader(name)) continue;
    const trimmed = value.trim();
    const folded = /\s\s|[^\S ]/.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
    const list = values.get(name);
    if (list === undefined) values.set(name, [folded]);
    else list.push(folded);
  }
  const names = [...values.keys()].sort();
  let canonical = '';
  for (const name of names) canonical += `${name}:${values.get(name)!.join(',')}\n`;
  return { canonical, signed: names.join(';') };
}
