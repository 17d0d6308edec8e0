// SigV4's URI encoding (the "UriEncode" of AWS's signing documentation): every byte but the RFC 3986 unreserved
// characters `A-Z a-z 0-9 - . _ ~` as `%XY` with upper-case hex. encodeURIComponent leaves `!'()*` alone, which
// SigV4 encodes.
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
