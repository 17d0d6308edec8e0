// RFC 9421 §2.1.2: a Dictionary field can be covered by one member, `"content-digest";key="sha-256"`. Such a
// signature binds the body through that digest as much as one over the whole field: the verifier checks the
// Content-Digest against the body it receives, whether or not it requires a digest to be covered.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import { authContext, draft } from './support/context.ts';

const SECRET = 'digest-member-secret-0123456789';
const NOW = Date.UTC(2026, 11, 8, 9, 0, 0);
const URL_ = 'https://api.partner.test/payments';

describe('a signature over one member of Content-Digest', () => {
  it('is refused as digest-mismatch when the body changed (requireContentDigest: false)', async () => {
    const verifier = createHmacVerifier({
      keys: { k: SECRET },
      now: () => NOW,
      nonceStore: false,
      requireContentDigest: false,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.constantFrom('sha-256', 'sha-512') as fc.Arbitrary<'sha-256' | 'sha-512'>,
        fc.boolean(),
        fc.nat(),
        async (body, algorithm, keyed, at) => {
          const digest = keyed ? `content-digest;key="${algorithm}"` : 'content-digest';
          const auth = hmacAuth({
            keyId: 'k',
            key: SECRET,
            digestAlgorithm: algorithm,
            components: ['@method', '@authority', '@path', '@query', digest],
          });
          const signed = draft(URL_, { method: 'POST', body: body.slice() });
          await auth.attach(signed, authContext({ now: NOW }));
          const receive = (bytes: Uint8Array) =>
            verifier.verify(
              new Request(URL_, { method: 'POST', headers: signed.headers, body: bytes.slice() }),
            );
          expect(await receive(body)).toMatchObject({ ok: true });
          const changed = body.slice();
          changed[at % changed.length]! ^= 0x80;
          expect(await receive(changed)).toMatchObject({ ok: false, reason: 'digest-mismatch' });
        },
      ),
      { numRuns: 200 },
    );
  });
});
