import fc from 'fast-check';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { createClient, createFetch, type OutgoingRequest } from '../src/index.ts';

// A relative URL resolves against `baseUrl` exactly as WHATWG URL resolution does (`new URL(input, base/)`),
// whatever the base's path, port, encoding or host, and whatever the relative path holds.
const BASES = [
  'https://api.partner.example',
  'https://api.partner.example/',
  'https://api.partner.example/v1',
  'https://api.partner.example/v1/',
  'https://api.partner.example:8443/a/b/c',
  'http://127.0.0.1:9/x%20y/',
  'https://bücher.example/ä/ö',
  'https://api.partner.example/v1?tenant=1',
  'https://api.partner.example/v1#frag',
  'https://api.partner.example/a\\b',
  'https://API.Partner.Example:443/./v1/../v2',
];

const SEGMENT_CHARS = fc.constantFrom(
  ...'abcXYZ019_-.~/?#%:@!$&\'()*+,;= \t\n\\é日[]{}|^`"<>'.split(''),
  '..',
  '%2e',
  '%2F',
);
const INPUT = fc.oneof(
  fc.array(SEGMENT_CHARS, { maxLength: 24 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

type Capture = (url: string) => Response;

/** The URL `call` hands to the capture it is given, or the error the call gives. */
async function asked(call: (capture: Capture) => Promise<unknown>): Promise<string | Error> {
  let url = '';
  try {
    await call((sent) => {
      url = sent;
      return new Response(null, { status: 204 });
    });
    return url;
  } catch (error) {
    return error as Error;
  }
}

const withBase = (baseUrl: string) => (baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);

async function sentUrl(baseUrl: string, input: string): Promise<string> {
  const url = await asked(async (capture) =>
    createFetch({ baseUrl, transport: async (outgoing: OutgoingRequest) => capture(outgoing.url) })(input),
  );
  if (url instanceof Error) throw url;
  return url;
}

/** What the client face sends for `input`, or the error it gives. */
const clientSentUrl = (baseUrl: string, input: string) =>
  asked(async (capture) =>
    createClient({ baseUrl, transport: async (outgoing: OutgoingRequest) => capture(outgoing.url) }).get(
      input,
    ),
  );

/** What plain ky with the same `baseUrl` asks its fetch for: the client face resolved through it before. */
const kySentUrl = (baseUrl: string, input: string) =>
  asked(async (capture) =>
    ky
      .create({
        baseUrl: withBase(baseUrl),
        retry: 0,
        fetch: async (request: Request | string | URL) =>
          capture(request instanceof Request ? request.url : String(request)),
      })
      .get(input),
  );

function resolved(baseUrl: string, input: string): string | undefined {
  try {
    return new URL(input, withBase(baseUrl)).href;
  } catch {
    return undefined;
  }
}

describe('relative URLs against baseUrl', () => {
  it('resolve as WHATWG URL resolution does, for any base and any relative input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BASES), INPUT, async (baseUrl, input) => {
        fc.pre(!/^[a-z][a-z\d+\-.]*:/i.test(input)); // absolute URLs are not resolved against the base
        const expected = resolved(baseUrl, input);
        fc.pre(expected === undefined || new URL(expected).origin === new URL(baseUrl).origin);
        if (expected === undefined) await expect(sentUrl(baseUrl, input)).rejects.toThrow();
        else expect(await sentUrl(baseUrl, input)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('on the client face, resolve exactly as ky with the same baseUrl does, for any base and any input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BASES), INPUT, async (baseUrl, input) => {
        const expected = await kySentUrl(baseUrl, input);
        fc.pre(typeof expected !== 'string' || new URL(expected).origin === new URL(baseUrl).origin);
        const sent = await clientSentUrl(baseUrl, input);
        if (typeof expected === 'string') expect(sent).toBe(expected);
        else expect(sent).toBeInstanceOf(Error);
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps the cases a text join would get wrong', async () => {
    const base = 'https://api.partner.example/v1';
    expect(await sentUrl(base, '/root')).toBe('https://api.partner.example/root');
    expect(await sentUrl(base, '?q=1')).toBe('https://api.partner.example/v1/?q=1');
    expect(await sentUrl(base, ' orders')).toBe('https://api.partner.example/v1/orders');
    expect(await sentUrl(base, '\\orders')).toBe('https://api.partner.example/orders');
    expect(await sentUrl(base, '../up')).toBe('https://api.partner.example/up');
    expect(await sentUrl(`${base}?tenant=1`, 'orders')).toBe('https://api.partner.example/orders');
  });
});
