/**
 * Encodes one value as `application/x-www-form-urlencoded` does (WHATWG URL standard, the encoding RFC 6749
 * Appendix B means): UTF-8, then percent-encoding of everything but `*-._` and alphanumerics, with space as
 * `+`. Used for the client id and secret before they are joined and base64-encoded (RFC 6749 §2.3.1).
 *
 * @example
 * ```ts
 * formUrlEncode('a b:c%'); // 'a+b%3Ac%25'
 * ```
 */
export function formUrlEncode(value: string): string {
  // URLSearchParams is the platform's own serializer for this media type: no hand-rolled escaping.
  return new URLSearchParams([['', value]]).toString().slice(1);
}
