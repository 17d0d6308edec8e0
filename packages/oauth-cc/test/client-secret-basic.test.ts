// client_secret_basic that every server decodes: RFC 6749 §2.3.1's encoding with %20 for a space, proven
// by a property over the encoding and against two real servers of different families on loopback:
// oidc-provider (form-decodes) and Python Authlib (only percent-decodes). No msw in this file.
import { secret } from '@attache/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBasicCredential } from '../src/client-secret-basic.ts';
import {
  type ClientAuthentication,
  clientCredentialsAuth,
  clientSecretBasic,
  clientSecretPost,
} from '../src/index.ts';
import { type AuthlibServer, startAuthlibServer } from './support/authlib-client-auth-server.ts';
import { type OidcProviderHarness, startOidcProvider } from './support/oidc-provider.ts';

// The characters the issue names, each one at least once, plus the ones form-encoding treats specially.
const REQUIRED = [' ', ':', '%', '+', '/', '=', '&', '?', '#', '*', '~', "'", '"', '\\', '!', '(', ')'];
const NON_ASCII = ['é', 'ü', 'ß', '€', '中文', '😀', '\u00a0', 'Ω'];

/** Secrets a server may register: visible ASCII and space (oidc-provider refuses anything else). */
function asciiSecrets(count: number, seed: number): string[] {
  const sampled = fc.sample(
    fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 40,
    }),
    { numRuns: count, seed },
  );
  return [
    ...REQUIRED.map((c) => `sec${c}ret`),
    `${REQUIRED.join('')}`,
    ' leading and trailing ',
    '%20 already encoded %2B',
    'a+b a%2Bb',
    ...sampled.map((s, i) => `${i}:${s}`),
  ];
}

function unicodeSecrets(count: number, seed: number): string[] {
  const sampled = fc.sample(
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
      // What checkHeaderValue's 'text' allows: no controls, format or separator characters.
      .filter((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(s)),
    { numRuns: count, seed },
  );
  return [...NON_ASCII.map((c) => `s ${c}:+%/=&`), ...sampled.map((s, i) => `${i} ${s}`)];
}

describe('the encoding', () => {
  // Weighted towards the characters that matter: a code point drawn from all of Unicode is rarely a space.
  const unit = fc.oneof(
    fc.constantFrom(...REQUIRED),
    fc.constantFrom(...NON_ASCII),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const decodable = fc
    .array(unit, { maxLength: 24 })
    .map((parts) => parts.join(''))
    .filter((s) => !/\p{Cs}/u.test(s));

  it('is read back exactly by form-decoding and by plain percent-decoding', () => {
    fc.assert(
      fc.property(decodable, (value) => {
        const encoded = encodeBasicCredential(value);
        expect(encoded).toMatch(/^[A-Za-z0-9*\-._%]*$/);
        expect(new URLSearchParams(`v=${encoded}`).get('v')).toBe(value);
        expect(decodeURIComponent(encoded)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('never contains the separator, so id and secret split at the first colon', () => {
    fc.assert(
      fc.property(decodable, decodable, (id, value) => {
        const joined = `${encodeBasicCredential(id)}:${encodeBasicCredential(value)}`;
        const at = joined.indexOf(':');
        expect(decodeURIComponent(joined.slice(0, at))).toBe(id);
        expect(decodeURIComponent(joined.slice(at + 1))).toBe(value);
      }),
    );
  });
});

async function obtain(
  tokenEndpoint: string,
  clientId: string,
  method: ClientAuthentication,
): Promise<string> {
  // A key per method: equal clients would otherwise share one token (and one failure) across the tests.
  const auth = clientCredentialsAuth({
    tokenEndpoint,
    clientId,
    clientAuthentication: method,
    tokenSource: { key: `${method.method} ${tokenEndpoint} ${clientId}` },
  });
  return (await auth.source.get()).value.reveal();
}

describe('oidc-provider (form-decoding) accepts every secret', () => {
  const secrets = asciiSecrets(40, 17);
  let as: OidcProviderHarness;
  beforeAll(async () => {
    as = await startOidcProvider({
      clients: secrets.map((value, i) => ({
        client_id: i % 3 === 0 ? `client ${i}:+%&=/` : `client-${i}`,
        client_secret: value,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      })),
    });
  });
  afterAll(() => as?.close());

  it(`with client_secret_basic, for ${secrets.length} secrets`, async () => {
    for (const [i, value] of secrets.entries()) {
      const clientId = i % 3 === 0 ? `client ${i}:+%&=/` : `client-${i}`;
      const token = await obtain(as.tokenEndpoint, clientId, clientSecretBasic(secret(value)));
      expect(token.length, `secret #${i}`).toBeGreaterThan(10);
    }
    expect(as.tokenRequests()).toBe(secrets.length);
  });
});

describe('Authlib (percent-decoding only) accepts every secret', () => {
  const secrets = [...asciiSecrets(30, 29), ...unicodeSecrets(30, 31)];
  const clientIdOf = (i: number): string => (i % 4 === 0 ? `cliént ${i}:+%&=/` : `client-${i}`);
  let server: AuthlibServer;
  beforeAll(async () => {
    server = await startAuthlibServer([
      ...secrets.map((value, i) => ({ client_id: clientIdOf(i), client_secret: value })),
      { client_id: 'plus-check', client_secret: 'sec ret' },
    ]);
  }, 30_000);
  afterAll(() => server?.close());

  it(`with client_secret_basic, for ${secrets.length} secrets (non-ASCII included)`, async () => {
    for (const [i, value] of secrets.entries()) {
      const token = await obtain(server.tokenEndpoint, clientIdOf(i), clientSecretBasic(secret(value)));
      expect(token.length, `secret #${i}`).toBeGreaterThan(10);
    }
  });

  it('and with client_secret_post', async () => {
    for (const [i, value] of secrets.slice(0, 20).entries()) {
      const token = await obtain(server.tokenEndpoint, clientIdOf(i), clientSecretPost(value));
      expect(token.length).toBeGreaterThan(10);
    }
  });

  it("refuses '+' for a space: why the encoding uses %20", async () => {
    const plus = btoa('plus-check:sec+ret');
    const response = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${plus}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    const encoded = btoa(`plus-check:${encodeBasicCredential('sec ret')}`);
    const ok = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${encoded}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
  });
});
