// The simple scheme's header canonicalization: names lower-cased, values trimmed with runs of inner
// whitespace folded to one space, repeated fields joined with ", " (which `Headers.get` already does).
// RFC 9421 does not fold inner whitespace (§2.1), so the rfc9421 scheme does not use this.

/** Trims a header value and folds each run of spaces and tabs inside it to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/[ \t]+/g, ' ');
}

/** `name:value` lines for the named headers, in the given order; an absent header has an empty value. */
export function canonicalHeaders(headers: Headers, names: readonly string[]): string[] {
  return names.map((name) => {
    const lower = name.toLowerCase();
    return `${lower}:${canonicalHeaderValue(headers.get(lower) ?? '')}`;
  });
}
