// IMF-fixdate (RFC 9110 §5.6.7), the form every sender must use. `Date.parse` alone reads almost anything as
// a date ("1", "-1" and "foo 2" are days of 2001), and a `Date` or `Retry-After` taken for a day decades off
// would move the clock, or the wait, by decades.
const IMF_FIXDATE = /^[A-Za-z]{3}, \d\d [A-Za-z]{3} \d{4} \d\d:\d\d:\d\d GMT$/;

/** Epoch milliseconds of an HTTP-date in IMF-fixdate form; `NaN` for anything else. */
export function parseHttpDate(value: string): number {
  return IMF_FIXDATE.test(value) ? Date.parse(value) : NaN;
}

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
  // "-5" or "1.5" is neither form: not an HTTP-date either.
  const date = parseHttpDate(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
