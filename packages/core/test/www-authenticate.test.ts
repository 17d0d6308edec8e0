import { parseRetryAfter, parseWwwAuthenticate } from '@attache/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('parseWwwAuthenticate (RFC 9110 §11.6.1, RFC 6750 §3)', () => {
  it('parses RFC 6750 examples', () => {
    expect(parseWwwAuthenticate('Bearer realm="example"')).toEqual([
      { scheme: 'bearer', params: { realm: 'example' } },
    ]);
    expect(
      parseWwwAuthenticate(
        'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'example', error: 'invalid_token', error_description: 'The access token expired' },
      },
    ]);
  });

  it('parses several challenges, token68 and escapes', () => {
    expect(
      parseWwwAuthenticate('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'),
    ).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
    expect(parseWwwAuthenticate('Negotiate abc+/def==, Bearer error="invalid_token"')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'abc+/def==' },
      { scheme: 'bearer', params: { error: 'invalid_token' } },
    ]);
    expect(parseWwwAuthenticate('DPoP error="use_dpop_nonce", algs="ES256 PS256"')).toEqual([
      { scheme: 'dpop', params: { error: 'use_dpop_nonce', algs: 'ES256 PS256' } },
    ]);
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'bearer', params: {} }]);
    expect(parseWwwAuthenticate('Bearer error = "insufficient_scope" , scope="a b"')).toEqual([
      { scheme: 'bearer', params: { error: 'insufficient_scope', scope: 'a b' } },
    ]);
  });

  it('never throws and never hangs on arbitrary input (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const result = parseWwwAuthenticate(header);
        expect(Array.isArray(result)).toBe(true);
        for (const challenge of result) expect(challenge.scheme).toMatch(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('Bearer', ' ', ',', '=', '"', '\\', 'realm', 'a', '==', '\t'), {
          maxLength: 60,
        }),
        (parts) => {
          expect(() => parseWwwAuthenticate(parts.join(''))).not.toThrow();
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const h = (init: Record<string, string>) => new Headers(init);
  it('reads delta-seconds, HTTP-date and retry-after-ms', () => {
    expect(parseRetryAfter(h({ 'retry-after': '120' }), now)).toBe(120_000);
    expect(parseRetryAfter(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(parseRetryAfter(h({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
  });
  it('ignores what is neither form', () => {
    for (const value of ['-5', '1.5', 'soon', '', '2026-01-01'])
      expect(parseRetryAfter(h({ 'retry-after': value }), now)).toBeUndefined();
    expect(parseRetryAfter(h({}), now)).toBeUndefined();
  });
  it('never throws and never returns a negative or non-finite value (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20 }), (a, b) => {
        let headers: Headers;
        try {
          headers = new Headers({ 'retry-after': a, 'retry-after-ms': b });
        } catch {
          return; // not a valid header value at all
        }
        const value = parseRetryAfter(headers, now);
        if (value !== undefined) {
          expect(Number.isFinite(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
