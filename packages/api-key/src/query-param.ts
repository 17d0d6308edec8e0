function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Returns a copy of `url` with exactly one `name=value` pair, replacing any pair of that name. The other
 * pairs are kept byte for byte: re-serialising them through `URLSearchParams` would turn `%20` into `+` and
 * re-encode what the caller (or a signature computed later) relies on.
 */
export function setQueryParam(url: URL, name: string, value: string): URL {
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && decodeComponent(pair.split('=', 1)[0] ?? '') !== name);
  kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  const next = new URL(url);
  next.search = kept.join('&');
  return next;
}

/** The decoded value of the first `name` pair of the URL's query, if any. */
export function getQueryParam(url: URL, name: string): string | undefined {
  return url.searchParams.get(name) ?? undefined;
}
