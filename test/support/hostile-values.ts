// Hostile credential values for property tests (Node and Chromium: no `node:` imports here).
import fc from 'fast-check';

/** A value that could never appear in a message by chance: what a leak test looks for. */
export interface Hostile {
  /** The value handed to Attaché. */
  readonly value: string;
  /** A distinctive part of it that must never show up in an error or event. */
  readonly marker: string;
}

const visible = fc.string({ minLength: 6, maxLength: 24, unit: 'grapheme-ascii' }).map((s) =>
  // Visible ASCII without the characters a JSON or inspect rendering would escape.
  s.replace(/[^\x21-\x7e]|["\\'`]/g, 'x'),
);

const code = (low: number, high: number) =>
  fc.integer({ min: low, max: high }).map((n) => String.fromCharCode(n));

/** Characters no header value may carry, whatever is around them: CR, LF, NUL and every other control. */
export const controlCharacter: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\r', '\n', '\r\n', '\0', '\n\t', '\u007f'),
  code(0x00, 0x1f),
  code(0x7f, 0x9f),
);

/** Invisible characters that copy-paste brings along: separators, zero-width and bidi marks, BOM, lone surrogates. */
export const invisibleCharacter: fc.Arbitrary<string> = fc.constantFrom(
  '\u2028',
  '\u2029',
  '\u200b',
  '\u200e',
  '\u202e',
  '\u2060',
  '\ufeff',
  '\ud800',
  '\udfff',
);

/** Fine inside an encoded value (Basic, a client secret), not in a token written as is. */
export const notForTokens: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(' ', '\u00a0', 'é', 'ü', '€', '😀', '中'),
  code(0xa0, 0xff),
);

function around(bad: fc.Arbitrary<string>): fc.Arbitrary<Hostile> {
  return fc
    .tuple(visible, bad, visible, fc.constantFrom('start', 'middle', 'end'))
    .map(([before, character, after, where]) => {
      const marker = `S3cr3t${before}`;
      const value =
        where === 'start'
          ? `${character}${marker}${after}`
          : where === 'end'
            ? `${marker}${after}${character}`
            : `${marker}${character}${after}`;
      return { value, marker };
    });
}

/** Values refused wherever they go: controls and invisible characters. */
export const unsafeText: fc.Arbitrary<Hostile> = around(fc.oneof(controlCharacter, invisibleCharacter));

/** Values refused where a token travels as is: the above, plus spaces and non-ASCII. */
export const unsafeToken: fc.Arbitrary<Hostile> = around(
  fc.oneof(controlCharacter, invisibleCharacter, notForTokens),
);

/** Not a credential at all: what a broken provider or endpoint returns. */
export const notAString: fc.Arbitrary<unknown> = fc.constantFrom(
  undefined,
  null,
  '',
  0,
  42,
  true,
  {},
  [],
  ['token'],
  { value: 'token' },
);

/** Every rendering of an error a log may hold; `inspect` is Node's `util.inspect` where there is one. */
export function renderings(error: unknown, inspect?: (value: unknown) => string): string[] {
  const e = error as Error | undefined;
  return [
    String(e?.message ?? ''),
    String(e?.stack ?? ''),
    JSON.stringify(error) ?? '',
    String(error),
    ...(inspect === undefined ? [] : [inspect(error)]),
  ];
}

/** Throws when any rendering of `error` holds `marker`. */
export function assertNoLeak(error: unknown, marker: string, inspect?: (value: unknown) => string): void {
  for (const text of renderings(error, inspect)) {
    if (text.includes(marker))
      throw new Error(`A rendering of the error contains the value: ${text.slice(0, 200)}`);
  }
}
