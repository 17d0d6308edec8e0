function pairName(pair: string): string {
  const equals = pair.indexOf('=');
  return (equals === -1 ? pair : pair.slice(0, equals)).trim();
}

/**
 * Returns a `Cookie` header value with `name=value` set: a pair of the same name is replaced in place, any
 * other cookie the caller sent is kept, and pairs are joined with `; ` (RFC 6265 §5.4).
 */
export function setCookiePair(header: string | null, name: string, value: string): string {
  const pairs = (header ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '');
  const fresh = `${name}=${value}`;
  const index = pairs.findIndex((pair) => pairName(pair) === name);
  if (index === -1) pairs.push(fresh);
  else pairs[index] = fresh;
  return pairs.join('; ');
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function getCookiePair(header: string | null, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    if (pairName(pair) !== name) continue;
    const equals = pair.indexOf('=');
    return equals === -1 ? '' : pair.slice(equals + 1).trim();
  }
  return undefined;
}
