import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getCookiePair, setCookiePair } from '../src/cookie-header.ts';
import { getQueryParam, setQueryParam } from '../src/query-param.ts';

// What apiKeyAuth accepts as a key: visible ASCII (and, for cookies, RFC 6265 cookie-octets).
const visibleAscii = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
});
const cookieOctets = visibleAscii.filter((s) => !/[",;\\]/.test(s));
const queryPart = fc.stringMatching(/^[A-Za-z0-9%+._~-]{0,8}(=[A-Za-z0-9%+._~=-]{0,8})?$/);

describe('query placement, for any key and any other parameters', () => {
  it('reads back the exact key, keeps the other pairs byte for byte, and never duplicates the name', () => {
    fc.assert(
      fc.property(fc.array(queryPart, { maxLength: 6 }), visibleAscii, visibleAscii, (pairs, name, key) => {
        const others = pairs.filter((p) => p !== '' && new URLSearchParams(p).keys().next().value !== name);
        const url = new URL(`https://api.partner.test/x${others.length > 0 ? `?${others.join('&')}` : ''}`);
        const next = setQueryParam(url, name, key);
        expect(getQueryParam(next, name)).toBe(key);
        expect(new URL(next.href).searchParams.getAll(name)).toEqual([key]);
        expect(next.search.startsWith(url.search)).toBe(true);
        // Setting again replaces rather than appends.
        expect(setQueryParam(next, name, key).href).toBe(next.href);
      }),
    );
  });
});

describe('cookie placement, for any key and any other cookies', () => {
  it('reads back the exact key and keeps every other cookie', () => {
    const cookieName = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cookieName, cookieOctets), { maxLength: 5 }),
        cookieName,
        cookieOctets,
        (cookies, name, key) => {
          const others = cookies.filter(([n]) => n !== name);
          const header = others.length > 0 ? others.map(([n, v]) => `${n}=${v}`).join('; ') : null;
          const next = setCookiePair(header, name, key);
          expect(getCookiePair(next, name)).toBe(key);
          for (const [n, v] of others) expect(next).toContain(`${n}=${v}`);
          expect(setCookiePair(next, name, key)).toBe(next);
        },
      ),
    );
  });
});
