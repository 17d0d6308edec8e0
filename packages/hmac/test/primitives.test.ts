import { describe, expect, it } from 'vitest';
import { canonicalHeaders, canonicalHeaderValue } from '../src/canonical-headers.ts';
import { decodeBytes, encodeBytes } from '../src/encoding.ts';
import { createMemoryNonceStore } from '../src/nonce-store.ts';
import { canonicalQuery } from '../src/simple/canonical-query.ts';
import { parseDictionary, serializeDictionary } from '../src/structured-fields.ts';
import { timingSafeEqual } from '../src/timing-safe-equal.ts';

describe('timingSafeEqual', () => {
  /** A byte array that counts how many of its bytes are read. */
  function counted(bytes: number[]): { array: Uint8Array; reads: () => number } {
    let reads = 0;
    const target = new Uint8Array(bytes);
    const array = new Proxy(target, {
      get(t, property) {
        if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
        const value = Reflect.get(t, property, t);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
    return { array, reads: () => reads };
  }

  it('answers equality correctly', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('reads every byte whether the first or the last one differs (no early exit)', () => {
    const expected = Array.from({ length: 32 }, (_, i) => i);
    const firstDiffers = counted([255, ...expected.slice(1)]);
    const lastDiffers = counted([...expected.slice(0, 31), 255]);
    const equal = counted(expected);
    for (const probe of [firstDiffers, lastDiffers, equal]) {
      timingSafeEqual(new Uint8Array(expected), probe.array);
    }
    expect(firstDiffers.reads()).toBe(32);
    expect(lastDiffers.reads()).toBe(32);
    expect(equal.reads()).toBe(32);
  });
});

describe('canonical query (simple scheme)', () => {
  it.each([
    ['', ''],
    ['?', ''],
    ['?b=2&a=1', 'a=1&b=2'],
    ['?a=2&a=10&a=1', 'a=1&a=10&a=2'],
    ['?a=hello+world', 'a=hello%20world'],
    ['?a=hello%20world', 'a=hello%20world'],
    ['?a=x%2By', 'a=x%2By'],
    ["?q=it's(ok)*!~", 'q=it%27s%28ok%29%2A%21~'],
    ['?flag', 'flag='],
    ['?%C3%A9t%C3%A9=%E2%82%AC', '%C3%A9t%C3%A9=%E2%82%AC'],
    ['?B=1&a=1', 'B=1&a=1'],
    ['?path=/a/b&x=a%26b', 'path=%2Fa%2Fb&x=a%26b'],
  ])('%s → %s', (search, expected) => {
    expect(canonicalQuery(search)).toBe(expected);
  });
});

describe('canonical headers (simple scheme)', () => {
  it('lower-cases names, trims, folds inner whitespace and joins repeats with ", "', () => {
    expect(canonicalHeaderValue('  a \t  b   c ')).toBe('a b c');
    const headers = new Headers();
    headers.append('X-Multi', ' one ');
    headers.append('X-Multi', 'two  three');
    expect(canonicalHeaders(headers, ['X-Multi', 'X-Absent'])).toEqual([
      'x-multi:one, two three',
      'x-absent:',
    ]);
  });
});

describe('encodings', () => {
  const bytes = new Uint8Array([0, 1, 127, 128, 250, 251, 254, 255]);
  it.each([
    ['hex', '00017f80fafbfeff'],
    ['base64', 'AAF/gPr7/v8='],
    ['base64url', 'AAF_gPr7_v8'],
  ] as const)('%s round-trips', (encoding, text) => {
    expect(encodeBytes(bytes, encoding)).toBe(text);
    expect(decodeBytes(text, encoding)).toEqual(bytes);
  });

  it.each([
    ['hex', 'abc'],
    ['hex', 'zz'],
    ['base64', 'a$b='],
    ['base64', 'A'],
    ['base64url', 'a+b'],
  ] as const)('refuses %s %j', (encoding, text) => {
    expect(decodeBytes(text, encoding)).toBeUndefined();
  });
});

describe('structured fields (RFC 8941)', () => {
  it.each([
    'sig1=("@method" "@target-uri");created=1618884473;keyid="k";alg="hmac-sha256"',
    'a=1, b=?0, c, d=:AAF/gA==:, e=tok/en:x, f=-12.5, g=("x";p=1 "y");q',
    'sig=();created=1;nonce="a\\"b\\\\c"',
  ])('parses and re-serializes %s canonically', (text) => {
    const parsed = parseDictionary(text);
    expect(typeof parsed).toBe('object');
    expect(serializeDictionary(parsed as Exclude<typeof parsed, string>)).toBe(text);
  });

  it('normalizes optional whitespace on re-serialization', () => {
    const parsed = parseDictionary('  a=1 ,\tb=( "x"  "y" );p ');
    expect(serializeDictionary(parsed as Exclude<typeof parsed, string>)).toBe('a=1, b=("x" "y");p');
  });

  it.each([
    'a=1,',
    'A=1',
    'a=("x"',
    'a="unterminated',
    'a=:AA==',
    'a=1234567890123456',
    'a=1.2345',
    'a=?2',
    'a="\u00e9"',
    'a=1 b=2',
    'a=("x") ;p',
  ])('rejects %j', (text) => {
    expect(typeof parseDictionary(text)).toBe('string');
  });
});

describe('createMemoryNonceStore', () => {
  it('refuses a nonce until it expires, then accepts it again', () => {
    let now = 1_000;
    const store = createMemoryNonceStore({ now: () => now });
    expect(store.claim('a', 2_000)).toBe(true);
    expect(store.claim('a', 2_000)).toBe(false);
    now = 2_000;
    expect(store.claim('a', 3_000)).toBe(true);
  });

  it('stays within maxEntries, dropping expired entries first, then (evict-oldest) the oldest', () => {
    let now = 0;
    const store = createMemoryNonceStore({ maxEntries: 2, whenFull: 'evict-oldest', now: () => now });
    expect(store.claim('a', 10)).toBe(true);
    expect(store.claim('b', 100)).toBe(true);
    now = 20;
    expect(store.claim('c', 100)).toBe(true);
    expect(store.claim('b', 100)).toBe(false);
    expect(store.claim('d', 100)).toBe(true);
    expect(store.claim('b', 100)).toBe(true);
  });
});
