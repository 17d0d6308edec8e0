// RFC 9530 digests the exact bytes of the content, whatever form the caller holds them in: a string (its UTF-8),
// a Uint8Array (also a view into a larger buffer, at an offset), an ArrayBuffer, or nothing. A verifier reads
// the body of a Request however it arrives, a stream in many chunks included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentDigest } from '../src/content-digest.ts';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import { authContext, draft } from './support/context.ts';

const SECRET = 'digest-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 11, 8, 9, 0, 0);
const ALGORITHMS = fc.subarray(['sha-256', 'sha-512'] as const, { minLength: 1 });

/** `bytes` as a view at `offset` into a larger buffer whose other bytes are noise. */
function viewAt(bytes: Uint8Array, offset: number): Uint8Array {
  const buffer = new Uint8Array(offset + bytes.length + 7).fill(0xa5);
  buffer.set(bytes, offset);
  return buffer.subarray(offset, offset + bytes.length);
}

describe('contentDigest of every body form', () => {
  it('is the digest of the same bytes: string, bytes, a view at an offset, an ArrayBuffer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 64 }),
        fc.nat(40),
        ALGORITHMS,
        async (text, offset, algorithms) => {
          const bytes = new TextEncoder().encode(text);
          const options = { algorithms };
          const expected = await contentDigest(text, options);
          expect(await contentDigest(bytes, options)).toBe(expected);
          expect(await contentDigest(viewAt(bytes, offset), options)).toBe(expected);
          expect(await contentDigest(bytes.slice().buffer, options)).toBe(expected);
          if (text === '') {
            expect(await contentDigest(null, options)).toBe(expected);
            expect(await contentDigest(undefined, options)).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the empty body has the digest of no bytes', async () => {
    expect(await contentDigest('')).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });
});

describe('a signed body a verifier receives as a stream', () => {
  it('is verified whatever its chunks, and refused when one byte changes', async () => {
    const verifier = createHmacVerifier({ keys: { k: SECRET }, now: () => NOW, nonceStore: false });
    const auth = hmacAuth({ keyId: 'k', key: SECRET });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.array(fc.nat(256), { maxLength: 6 }),
        fc.nat(),
        async (body, cuts, at) => {
          const signed = draft('https://api.partner.test/upload', { method: 'POST', body: body.slice() });
          await auth.attach(signed, authContext({ now: NOW }));
          const stream = (bytes: Uint8Array) => {
            const ends = [...new Set(cuts.map((cut) => cut % bytes.length))].sort((a, b) => a - b);
            const chunks = [...ends, bytes.length].map((end, i, all) =>
              bytes.slice(i === 0 ? 0 : all[i - 1], end),
            );
            return new ReadableStream<Uint8Array>({
              start(controller) {
                for (const chunk of chunks) controller.enqueue(chunk);
                controller.close();
              },
            });
          };
          const receive = (bytes: Uint8Array) =>
            new Request(signed.url, {
              method: 'POST',
              headers: signed.headers,
              body: stream(bytes),
              duplex: 'half',
            } as RequestInit);
          expect(await verifier.verify(receive(body))).toMatchObject({ ok: true });
          const changed = body.slice();
          changed[at % changed.length]! ^= 0x01;
          expect(await verifier.verify(receive(changed))).toMatchObject({
            ok: false,
            reason: 'digest-mismatch',
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
