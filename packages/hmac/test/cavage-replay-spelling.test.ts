// draft-cavage has no nonce, so createCavageVerifier refuses the same signature twice. Base64 has several
// spellings of the same bytes (padding dropped or doubled, non-zero pad bits, which RFC 4648 §3.5 lets a decoder
// accept): a captured request sent again with its signature spelled another way is the same signature.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cavageSignatureAuth } from '../src/cavage/cavage-auth.ts';
import { createCavageVerifier } from '../src/cavage/cavage-verifier.ts';
import { authContext, draft } from './support/context.ts';

const SECRET = 'cavage-replay-secret-0123456789';
const NOW = Date.UTC(2026, 11, 8, 9, 0, 0);
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Other spellings of the base64 `text` that decode to the same bytes. */
function respellings(text: string, padBits: number): string[] {
  const data = text.replace(/=+$/, '');
  const padding = text.slice(data.length);
  // The bits of the last character past the last whole byte: 2 with one `=`, 4 with two.
  const spare = padding.length * 2;
  const last = BASE64.indexOf(data.at(-1)!);
  const flipped = BASE64[last ^ (padBits % (1 << spare) || 1)]!;
  return [data, `${text}=`.slice(0, data.length + 2), `${data.slice(0, -1)}${flipped}${padding}`].filter(
    (spelling) => spelling !== text,
  );
}

describe('createCavageVerifier, a replayed signature spelled another way', () => {
  it('is refused as replayed-nonce, in the Signature header or in Authorization', async () => {
    const verifier = createCavageVerifier({ keys: { k1: { key: SECRET } }, now: () => NOW });
    const auth = cavageSignatureAuth({ keyId: 'k1', key: SECRET });
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 15 }), fc.boolean(), async (padBits, inAuthorization) => {
        const signed = draft(`https://api.partner.test/inbox/${++i}`);
        await auth.attach(signed, authContext({ now: NOW }));
        const header = signed.headers.get('signature')!;
        const first = await verifier.verify(new Request(signed.url, { headers: { signature: header } }));
        expect(first).toMatchObject({ ok: true });
        const text = /signature="([^"]+)"/.exec(header)![1]!;
        const spellings = respellings(text, padBits);
        expect(spellings.length).toBeGreaterThan(0);
        for (const spelling of spellings) {
          const replayed = header.replace(`signature="${text}"`, `signature="${spelling}"`);
          const headers = inAuthorization
            ? { authorization: `Signature ${replayed}` }
            : { signature: replayed };
          const again = await verifier.verify(new Request(signed.url, { headers }));
          expect(again).toMatchObject({ ok: false, reason: 'replayed-nonce' });
        }
      }),
      { numRuns: 100 },
    );
  });
});
