/**
 * Compares two byte strings in time that depends only on their lengths, never on where they differ, so a
 * caller probing signatures byte by byte learns nothing from response times. Lengths are public (every
 * algorithm's MAC length is), so a length mismatch may return early.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
