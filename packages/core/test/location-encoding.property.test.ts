import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerAuth, createFetch, type OutgoingRequest } from '../src/index.ts';

/** The URL the pipeline follows a redirect to when the Location header carries `bytes`. */
async function followed(bytes: Uint8Array): Promise<string | Error> {
  const sent: string[] = [];
  const partnerFetch = createFetch({
    baseUrl: 'https://api.partner.example/v1/',
    redirects: 'pipeline',
    auth: bearerAuth({ token: 'token-for-the-partner' }),
    transport: async (outgoing: OutgoingRequest) => {
      sent.push(outgoing.url);
      if (sent.length > 1) return new Response('{}');
      // What fetch makes of the bytes a server sent: one Latin-1 character per byte.
      const location = String.fromCharCode(...bytes);
      return new Response(null, { status: 302, headers: { location } });
    },
  });
  try {
    await partnerFetch('orders');
    return sent[1] ?? 'not followed';
  } catch (error) {
    return error as Error;
  }
}

describe('Location', () => {
  it('a UTF-8 Location is followed to the URL its text names, as fetch follows it', async () => {
    const base = 'https://api.partner.example/v1/orders';
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 16 }).map((s) => `/café/${s}?q=${s}`),
      fc.string({ unit: 'grapheme', maxLength: 16 }).map((s) => `https://bücher.example/${s}`),
      fc.string({ unit: 'grapheme-ascii', maxLength: 16 }),
    );
    await fc.assert(
      fc.asyncProperty(text, async (location) => {
        const bytes = new TextEncoder().encode(location);
        fc.pre(bytes.every((b) => b !== 0x0a && b !== 0x0d && b !== 0));
        // A header value loses its outer spaces and tabs, not other Unicode whitespace (String#trim would take
        // U+2000 too, which the URL keeps, percent-encoded).
        const value = location.replace(/^[\t ]+|[\t ]+$/g, '');
        const expected = URL.canParse(value, base) ? new URL(value, base) : undefined;
        fc.pre(expected === undefined || expected.protocol === 'https:');
        const result = await followed(bytes);
        if (expected === undefined) expect(result).toBeInstanceOf(Error);
        else expect(result).toBe(expected.href);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps Unicode whitespace that is not a header space, percent-encoded', async () => {
    const enQuad = new TextEncoder().encode('https://bücher.example/\u2000');
    expect(await followed(enQuad)).toBe('https://xn--bcher-kva.example/%E2%80%80');
  });

  it('a Location that is not UTF-8 is read byte by byte', async () => {
    expect(await followed(Uint8Array.of(0x2f, 0x63, 0x61, 0x66, 0xe9))).toBe(
      'https://api.partner.example/caf%EF%BF%BD',
    );
  });
});
