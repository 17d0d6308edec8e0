import { ConfigError } from '@attache/core';
import { callListener, checkNumber, checkOptionalNumber, isHttpToken } from '@attache/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// RFC 9110 §5.6.2, spelled out independently of the implementation's pattern.
const TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const tokenArb = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 40 });

describe('isHttpToken', () => {
  it('accepts every non-empty string of tchar', () => {
    fc.assert(fc.property(tokenArb, (token) => isHttpToken(token)));
  });

  it('refuses any string holding one character that is not a tchar, and the empty string', () => {
    const other = fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((code) => code < 0xd800 || code > 0xdfff)
      .map((code) => String.fromCodePoint(code))
      .filter((c) => !TCHAR.includes(c));
    fc.assert(
      fc.property(tokenArb, other, tokenArb, (before, bad, after) => {
        expect(isHttpToken(`${before}${bad}${after}`)).toBe(false);
        expect(isHttpToken(bad)).toBe(false);
      }),
    );
    expect(isHttpToken('')).toBe(false);
    for (const separator of [
      '(',
      ')',
      ',',
      '/',
      ':',
      ';',
      '<',
      '=',
      '>',
      '?',
      '@',
      '[',
      '\\',
      ']',
      '{',
      '}',
      '"',
      ' ',
      '\t',
    ]) {
      expect(isHttpToken(`a${separator}b`)).toBe(false);
    }
  });
});

describe('callListener', () => {
  it('calls the listener once with the event, and does nothing without one', () => {
    fc.assert(
      fc.property(fc.anything(), (event) => {
        const seen: unknown[] = [];
        callListener((e: unknown) => seen.push(e), event);
        expect(seen).toEqual([event]);
        expect(() => callListener(undefined, event)).not.toThrow();
      }),
    );
  });

  it('drops whatever a listener throws', () => {
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        let calls = 0;
        expect(() =>
          callListener(() => {
            calls++;
            throw thrown;
          }, 'event'),
        ).not.toThrow();
        expect(calls).toBe(1);
      }),
    );
  });
});

describe('checkNumber', () => {
  const rules = [
    { min: 'positive', accepts: (n: number) => n > 0 },
    { min: 'non-negative', accepts: (n: number) => n >= 0 },
  ] as const;

  it('accepts exactly the finite numbers the rule allows and returns them unchanged', () => {
    fc.assert(
      fc.property(fc.constantFrom(...rules), fc.double(), fc.boolean(), (rule, n, integer) => {
        const ok = Number.isFinite(n) && rule.accepts(n) && (!integer || Number.isInteger(n));
        const check = (): number => checkNumber(n, 'field', { min: rule.min, integer });
        if (ok) expect(check()).toBe(n);
        else expect(check).toThrow(ConfigError);
      }),
    );
  });

  it('honours max, inclusive', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (n, max) => {
        const check = (): number => checkNumber(n, 'timeout', { min: 'positive', max });
        if (n <= max) expect(check()).toBe(n);
        else expect(check).toThrow(`timeout must be a positive number up to ${max}, got ${n}`);
      }),
    );
  });

  it('names the field, the rule, the unit and the number given', () => {
    expect(() => checkNumber(-1, 'retry.maxDelay', { min: 'non-negative', unit: 'ms' })).toThrow(
      'retry.maxDelay must be a non-negative number of ms, got -1',
    );
    expect(() => checkNumber(1.5, 'faults: count', { min: 'positive', integer: true })).toThrow(
      'faults: count must be a positive integer, got 1.5',
    );
    expect(() => checkNumber(Number.NaN, 'window', { min: 'positive', unit: 'seconds' })).toThrow(
      'window must be a positive number of seconds, got NaN',
    );
  });

  it('names only the type of a value that is not a number, never the value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 1 }), fc.object(), fc.boolean(), fc.bigInt()), (value) => {
        try {
          checkNumber(value, 'ttl', { min: 'positive' });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toBe(`ttl must be a positive number, got ${typeof value}`);
          return;
        }
        throw new Error('accepted a value that is not a number');
      }),
    );
  });

  it('checkOptionalNumber lets undefined through and checks everything else', () => {
    expect(checkOptionalNumber(undefined, 'x', { min: 'positive' })).toBeUndefined();
    expect(checkOptionalNumber(3, 'x', { min: 'positive' })).toBe(3);
    expect(() => checkOptionalNumber(null, 'x', { min: 'positive' })).toThrow(
      'x must be a positive number, got null',
    );
  });
});
