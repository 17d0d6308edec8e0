import { parseHttpDate } from './http-date.ts';

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
