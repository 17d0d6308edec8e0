// RFC 3986 percent-encoding: every byte but the unreserved characters `A-Z a-z 0-9 - . _ ~` as `%XY` with
// upper-case hex. The simple scheme's canonical query and SigV4's "UriEncode" both write this form.
// encodeURIComponent leaves `!'()*` alone, which both encode.

/** Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
