import fc from 'fast-check';
import { UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Authenticator, createFetch, createTokenSource } from '../src/index.ts';

// Values a partner controls that `Date.parse` reads as a date although no server means one: V8 takes a bare
// number, or a word and a number, for a day of 2001.
const LENIENT_GARBAGE = ['1', '0', '-1', '12', 'foo 2', '1 1', 'May 5', '2026-12-08', '2026-12-08T00:00:00Z'];
const NOT_A_DATE = fc.oneof(
  fc.constantFrom(...LENIENT_GARBAGE),
  fc.string({ maxLength: 40 }),
  fc
    .tuple(fc.string({ maxLength: 6 }), fc.integer({ min: -99_999, max: 99_999 }))
    .map(([w, n]) => `${w} ${n}`),
);
const START = Date.UTC(2026, 0, 1, 12);

/** What the clock of a client whose credentialed calls are answered with `date` has learned by its second call. */
async function offsetAfter(date: string): Promise<number> {
  let offset = Number.NaN;
  const reader: Authenticator = {
    name: 'clock-reader',
    attach: (_draft, context) => {
      offset = context.clock.offset;
    },
  };
  const partnerFetch = createFetch({
    baseUrl: 'https://api.partner.example',
    auth: reader,
    now: () => START,
    transport: async () => {
      const headers = new Headers();
      // Headers refuses what a header cannot hold; such a value never arrives from a server either.
      try {
        headers.set('date', date);
      } catch {
        // Left without a Date.
      }
      return new Response('{}', { headers });
    },
  });
  await partnerFetch('first');
  await partnerFetch('second');
  return offset;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');
const time = (d: Date): string =>
  `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const rfc850 = (d: Date): string =>
  `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCFullYear() % 100)} ${time(d)} GMT`;
/** `Sun Nov  6 08:49:37 1994` */
const asctime = (d: Date): string =>
  `${DAYS[d.getUTCDay()]?.slice(0, 3)} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${time(d)} ${d.getUTCFullYear()}`;

/** A server time, whole seconds (what a `Date` header carries), in the years given. */
const serverSeconds = (from: number, to: number) =>
  fc
    .date({ min: new Date(Date.UTC(from, 0, 1)), max: new Date(Date.UTC(to, 11, 31)), noInvalidDate: true })
    .map((d) => Math.floor(d.getTime() / 1000) * 1000);

/** What the clock learns from a server at `at`: the offset, or none under two seconds. */
const expectedOffset = (at: number): number => (Math.abs(at - START) >= 2000 ? at - START : 0);

afterEach(() => vi.unstubAllEnvs());

describe('server dates', () => {
  it('the two obsolete forms a recipient must accept teach the same offset, asctime read as GMT', async () => {
    // A machine west of Greenwich: an asctime-date read as local time would be five hours off.
    vi.stubEnv('TZ', 'America/New_York');
    await fc.assert(
      fc.asyncProperty(serverSeconds(1990, 2049), async (at) => {
        const d = new Date(at);
        expect(await offsetAfter(rfc850(d))).toBe(expectedOffset(at));
        expect(await offsetAfter(asctime(d))).toBe(expectedOffset(at));
      }),
      { numRuns: 100 },
    );
    expect(await offsetAfter('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(
      Date.UTC(1994, 10, 6, 8, 49, 37) - START,
    );
    expect(await offsetAfter('Sun Nov  6 08:49:37 1994')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37) - START);
  });

  it('a Date that is not an HTTP-date never moves the clock', async () => {
    await fc.assert(
      fc.asyncProperty(NOT_A_DATE, async (date) => {
        fc.pre(!/GMT$/.test(date.trim()));
        expect(await offsetAfter(date)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('an IMF-fixdate of any year teaches the exact offset (or none under two seconds)', async () => {
    await fc.assert(
      fc.asyncProperty(serverSeconds(1000, 9999), async (at) => {
        expect(await offsetAfter(new Date(at).toUTCString())).toBe(expectedOffset(at));
      }),
      { numRuns: 200 },
    );
  });

  it('a token response Date that is not an HTTP-date leaves the JWT exp on our clock', async () => {
    const accessToken = new UnsecuredJWT({}).setExpirationTime(START / 1000 + 3600).encode();
    for (const serverDate of LENIENT_GARBAGE) {
      const source = createTokenSource(async () => ({ accessToken, serverDate }), {
        key: `server-values:${serverDate}`,
        now: () => START,
      });
      expect((await source.get()).expiresAt).toBe(START + 3_600_000);
    }
  });
});
