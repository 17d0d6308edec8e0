// Every derived component and HTTP field of RFC 9421 §2, with unusual values (percent-encodings and non-ASCII in
// the path and query, an empty query, a fragment, header values with outer whitespace, repeated headers), the
// same for this package and for an independent implementation (`http-message-signatures`), in both directions.
import fc from 'fast-check';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import { authContext, draft } from './support/context.ts';

const SECRET = 'interop-property-secret-0123456789';
const NOW = Date.UTC(2026, 11, 8, 9, 0, 0);
const DERIVED = ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query'];

const text = (chars: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...chars.split('')), minLength: min, maxLength: max });

const messages = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  host: fc.constantFrom('api.partner.test', 'API.Partner.test:8443', 'bücher.example', '127.0.0.1:8080'),
  path: text("abz09-._~!$&'()*+,;=:@/%20%2Fé ", 0, 16),
  query: fc.option(text("abz09-._~!$'()*+,;=:@/?%20%2Bé &", 0, 16), { nil: undefined }),
  param: fc.tuple(text('abz', 1, 4), text('abz09 +%é', 0, 8)),
  fragment: fc.option(text('abz#?', 0, 5), { nil: undefined }),
  headers: fc.uniqueArray(
    fc.tuple(text('abcdef', 1, 4), fc.array(text('abXY09 \t,;="', 0, 12), { minLength: 1, maxLength: 3 })),
    { maxLength: 3, selector: ([name]) => name },
  ),
});

type Message = typeof messages extends fc.Arbitrary<infer T> ? T : never;

/** The URL the caller gives (fragment and all), and the one a server rebuilds from the request line. */
function urls(message: Message) {
  const [name, value] = message.param;
  const query = message.query === undefined ? `?q${name}=${value}` : `?${message.query}&q${name}=${value}`;
  const given = `https://${message.host}/${message.path}${query}${message.fragment === undefined ? '' : `#${message.fragment}`}`;
  const received = new URL(given);
  received.hash = '';
  return { given, received: received.href.replace(/#$/, ''), paramName: `q${name}` };
}

function headersOf(message: Message): Headers {
  const headers = new Headers();
  for (const [name, values] of message.headers)
    for (const value of values) headers.append(`x-${name}`, value);
  return headers;
}

function componentsOf(message: Message, paramName: string): string[] {
  const param = new URLSearchParams(new URL(urls(message).received).search).getAll(paramName);
  return [
    ...DERIVED,
    // §2.2.8: a repeated parameter cannot be covered.
    ...(param.length === 1 ? [`@query-param;name="${encodeURIComponent(paramName)}"`] : []),
    ...message.headers.map(([name]) => `x-${name}`),
  ];
}

describe('rfc9421 interop over unusual component values', () => {
  it('http-message-signatures verifies what hmacAuth signs', async () => {
    await fc.assert(
      fc.asyncProperty(messages, async (message) => {
        const { given, received, paramName } = urls(message);
        const signed = draft(given, { method: message.method, headers: headersOf(message) });
        await hmacAuth({ keyId: 'k', key: SECRET, components: componentsOf(message, paramName) }).attach(
          signed,
          authContext({ now: Date.now() }),
        );
        const verified = await httpbis.verifyMessage(
          {
            keyLookup: async () => ({
              id: 'k',
              algs: ['hmac-sha256'],
              verify: createVerifier(Buffer.from(SECRET), 'hmac-sha256'),
            }),
          },
          { method: message.method, url: received, headers: Object.fromEntries(signed.headers) },
        );
        expect(verified).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('createHmacVerifier verifies what http-message-signatures signs', async () => {
    const verifier = createHmacVerifier({ keys: { k: SECRET }, now: () => NOW, nonceStore: false });
    await fc.assert(
      fc.asyncProperty(messages, async (message) => {
        const { received, paramName } = urls(message);
        const headers = headersOf(message);
        const theirs = await httpbis.signMessage(
          {
            key: createSigner(Buffer.from(SECRET), 'hmac-sha256', 'k'),
            fields: componentsOf(message, paramName),
            params: ['keyid', 'alg', 'created'],
            paramValues: { created: new Date(NOW) },
          },
          { method: message.method, url: received, headers: Object.fromEntries(headers) },
        );
        const request = new Request(received, {
          method: message.method,
          headers: theirs.headers as Record<string, string>,
        });
        expect(await verifier.verify(request)).toMatchObject({ ok: true });
      }),
      { numRuns: 150 },
    );
  });
});
