// RFC 9421 §2.2.2: `@target-uri` is the target URI of RFC 9110 §7.1, which has no fragment. A request never
// carries one (fetch sends the path and query only), so a verifier never sees the fragment a caller's URL had.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import { authContext, draft } from './support/context.ts';

const SECRET = 'fragment-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 11, 8, 9, 0, 0);

const text = (chars: string, max: number) =>
  fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength: max });
const urls = fc
  .record({
    path: text('abcxyz019-._~/%é ', 20),
    query: fc.option(text('abc019=&+%é #?', 20), { nil: undefined }),
    fragment: text('abc019=&?#/%é ', 20),
  })
  .map(({ path, query, fragment }) => {
    const url = `https://api.partner.test/${path}${query === undefined ? '' : `?${query}`}#${fragment}`;
    const sent = new URL(url);
    sent.hash = '';
    // What the server rebuilds from the request line: scheme, authority, path and query, no `#`.
    return { url, received: sent.href.replace(/#$/, '') };
  });

describe('@target-uri of a URL with a fragment', () => {
  it('signs the URL the request is sent to: a verifier that sees no fragment accepts it', async () => {
    const verifier = createHmacVerifier({ keys: { k: SECRET }, now: () => NOW, nonceStore: false });
    await fc.assert(
      fc.asyncProperty(urls, fc.boolean(), async ({ url, received }, explicit) => {
        const auth = hmacAuth({
          keyId: 'k',
          key: SECRET,
          ...(explicit ? { components: ['@method', '@target-uri', '@request-target'] } : {}),
        });
        const signed = draft(url);
        await auth.attach(signed, authContext({ now: NOW }));
        expect(signed.headers.get('signature-input')).toContain('"@target-uri"');
        const result = await verifier.verify(new Request(received, { headers: signed.headers }));
        expect(result).toMatchObject({ ok: true });
      }),
      { numRuns: 200 },
    );
  });

  it('the fragment is never part of what is signed: changing it keeps the signature', async () => {
    const auth = hmacAuth({ keyId: 'k', key: SECRET, nonce: () => 'fixed-nonce-1' });
    const signatures = new Set<string | null>();
    for (const url of [
      'https://api.partner.test/a?b=1',
      'https://api.partner.test/a?b=1#x',
      'https://api.partner.test/a?b=1#',
    ]) {
      const signed = draft(url);
      await auth.attach(signed, authContext({ now: NOW }));
      signatures.add(signed.headers.get('signature'));
    }
    expect(signatures.size).toBe(1);
  });
});
