import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerAuth, createClient, createFetch, type OutgoingRequest } from '../src/index.ts';

const PARTNER = 'https://api.partner.example';
const TOKEN = 'token-for-the-partner-only';

// Pieces of URLs that try to leave the base: scheme-relative, backslashes, userinfo, encoded dots and
// slashes, other schemes, loopback spellings, whitespace that URL parsing strips.
const PIECES = fc.constantFrom(
  '//',
  '\\',
  '/',
  '@',
  'evil.example',
  'api.partner.example',
  'api.partner.example.',
  '%2f',
  '%5c',
  '%2e',
  '..',
  '.',
  ':',
  'https:',
  'http:',
  'HTTPS://',
  'javascript:',
  'data:',
  'file:',
  ' ',
  '\t',
  '\n',
  '?',
  '#',
  'user:pw@',
  '%40',
  'xn--bcher-kva',
  '[::1]',
  '127.1',
  'localhost',
  ':443',
  ':80',
  'orders',
);
const INPUT = fc.oneof(
  fc.array(PIECES, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 24 }),
);

function recorder() {
  const sent: OutgoingRequest[] = [];
  const transport = async (outgoing: OutgoingRequest) => {
    sent.push(outgoing);
    return new Response('{}', { headers: { 'content-type': 'application/json' } });
  };
  return { sent, transport };
}

/** The token went out only to the partner, over https; an error, if any, does not carry it. */
function expectContained(sent: readonly OutgoingRequest[], outcome: unknown): void {
  for (const outgoing of sent) {
    if (outgoing.headers.get('authorization') === null) continue;
    expect(new URL(outgoing.url).origin).toBe(PARTNER);
  }
  if (outcome instanceof Error) expect(inspect(outcome, { depth: 6 })).not.toContain(TOKEN);
}

describe('request URLs a caller builds from hostile input', () => {
  it('never take the credential off the allowed origin, on either face', async () => {
    await fc.assert(
      fc.asyncProperty(
        INPUT,
        fc.constantFrom(PARTNER, `${PARTNER}/v1`, `${PARTNER}/v1/`),
        async (input, baseUrl) => {
          const viaFetch = recorder();
          const partnerFetch = createFetch({
            baseUrl,
            auth: bearerAuth({ token: TOKEN }),
            transport: viaFetch.transport,
          });
          const fetchOutcome = await partnerFetch(input).catch((error: unknown) => error);
          expectContained(viaFetch.sent, fetchOutcome);

          const viaClient = recorder();
          const client = createClient({
            baseUrl,
            auth: bearerAuth({ token: TOKEN }),
            transport: viaClient.transport,
          });
          // ky throws at once (not in a promise) for a URL it cannot build.
          const clientOutcome = await (async () => client.get(input))().catch((error: unknown) => error);
          expectContained(viaClient.sent, clientOutcome);
        },
      ),
      { numRuns: 400 },
    );
  });
});
