import fc from 'fast-check';
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
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

describe('server dates', () => {
  it('a Date that is not an IMF-fixdate never moves the clock', async () => {
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
      fc.asyncProperty(
        fc.date({
          min: new Date(Date.UTC(1000, 0, 1)),
          max: new Date(Date.UTC(9999, 11, 31)),
          noInvalidDate: true,
        }),
        async (server) => {
          const at = Math.floor(server.getTime() / 1000) * 1000;
          const diff = at - START;
          expect(await offsetAfter(new Date(at).toUTCString())).toBe(Math.abs(diff) >= 2000 ? diff : 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a token response Date that is not an IMF-fixdate leaves the JWT exp on our clock', async () => {
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
