/**
 * Reads how long the server asked us to wait, in milliseconds: `retry-after-ms` (milliseconds), then
 * `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns `undefined` when absent or
 * unparseable; never negative.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) {
    const value = Number(ms);
    if (Number.isFinite(value)) return Math.max(0, value);
  }
  const header = headers.get('retry-after');
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  }
  // An HTTP-date always names a weekday and GMT; anything else (e.g. "-5", "1.5") is not one of the two forms.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
