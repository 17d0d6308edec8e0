// An HTTP-date (RFC 9110 §5.6.7): the IMF-fixdate every sender must use, and the two obsolete forms every
// recipient must still accept (rfc850-date; asctime-date, which is in GMT without saying so). `Date.parse`
// alone reads almost anything as a date ("1", "-1" and "foo 2" are days of 2001), and a `Date` or
// `Retry-After` taken for a day decades off would move the clock, or the wait, by decades.
const HTTP_DATE =
  /^(?:[A-Za-z]{3}, \d\d [A-Za-z]{3} \d{4} \d\d:\d\d:\d\d GMT|[A-Za-z]{6,9}, \d\d-[A-Za-z]{3}-\d\d \d\d:\d\d:\d\d GMT|[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4})$/;

/** Epoch milliseconds of an HTTP-date in any of its three forms; `NaN` for anything else. */
export function parseHttpDate(value: string): number {
  return HTTP_DATE.test(value) ? Date.parse(value.endsWith('GMT') ? value : `${value} GMT`) : NaN;
}
