// What the token endpoint or the resource server hands back is checked before it is sent anywhere: an
// access token or DPoP nonce a header cannot carry is a TokenAcquisitionError that never quotes it, and the
// partner API sees nothing. Client ids and secrets with controls are ConfigErrors at construction.
import { inspect } from 'node:util';
import { ConfigError, createFetch, secret, TokenAcquisitionError } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, unsafeText, unsafeToken } from '../../../test/support/hostile-values.ts';
import { useMswServer } from '../../core/test/support/msw.ts';
import { clientCredentialsAuth, clientSecretBasic, clientSecretPost } from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/token';
const API = 'https://api.partner.example';
const server = useMswServer();
const show = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });
let clients = 0;

/** The partner API, answering every path: its call count shows what reached it. */
function partner() {
  const api = mockPartnerApi({ baseUrl: API });
  server.use(...api.handlers);
  return api;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

// What a Response header can hold (fetch refuses CR, LF, NUL and anything above U+00FF outright), but a
// DPoP nonce may not: spaces, quotes, backslashes, Latin-1, and more than 1024 characters.
const hostileNonce = fc.oneof(
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9]{6,16}$/),
      fc.constantFrom(' ', '"', '\\', '\u00e9', '\u00ff', '\t', '\u0080'),
      fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
    )
    .map(([a, c, b]) => ({ value: `N0nc3${a}${c}${b}`, marker: `N0nc3${a}` })),
  fc
    .integer({ min: 1025, max: 4096 })
    .map((n) => ({ value: `N0nc3${'n'.repeat(n)}`, marker: `N0nc3${'n'.repeat(64)}` })),
);

describe('token endpoint answers', () => {
  it('an access_token a header cannot carry: TokenAcquisitionError naming it, nothing sent to the partner', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, fc.constantFrom('Bearer', 'bearer'), async (hostile, type) => {
        let tokenRequests = 0;
        server.use(
          http.post(TOKEN_URL, () => {
            tokenRequests++;
            return HttpResponse.json({ access_token: hostile.value, token_type: type, expires_in: 3600 });
          }),
        );
        const auth = clientCredentialsAuth({
          tokenEndpoint: TOKEN_URL,
          clientId: `hostile-${++clients}`,
          clientSecret: secret('client-secret'),
        });
        const fetch = createFetch({ baseUrl: API, auth });
        const error = await failure(fetch('orders'));
        expect(error).toBeInstanceOf(TokenAcquisitionError);
        expect(error).toMatchObject({
          field: 'access_token',
          error: 'invalid_token_response',
          isRetryable: false,
        });
        expect((error as Error).message).toMatch(/access token/);
        assertNoLeak(error, hostile.marker, show);
        // Refused, not retried: one token request.
        expect(tokenRequests).toBe(1);
      }),
      { numRuns: 120 },
    );
    expect(api.calls.total).toBe(0);
  });

  it('a DPoP-Nonce that is not 1*NQCHAR: TokenAcquisitionError, and the request is not made again with it', async () => {
    await fc.assert(
      fc.asyncProperty(hostileNonce, async (hostile) => {
        let tokenRequests = 0;
        server.use(
          http.post(TOKEN_URL, () => {
            tokenRequests++;
            return HttpResponse.json(
              { error: 'use_dpop_nonce' },
              { status: 400, headers: { 'dpop-nonce': hostile.value } },
            );
          }),
        );
        const auth = clientCredentialsAuth({
          tokenEndpoint: TOKEN_URL,
          clientId: `nonce-${++clients}`,
          clientSecret: 'client-secret',
          dpop: true,
        });
        const error = await failure(auth.source.get());
        expect(error).toBeInstanceOf(TokenAcquisitionError);
        expect((error as Error).message).toMatch(/^DPoP-Nonce from https:\/\/auth\.partner\.example /);
        assertNoLeak(error, hostile.marker, show);
        expect(tokenRequests).toBe(1);
      }),
      { numRuns: 40 },
    );
  });

  it("a resource server's hostile DPoP-Nonce: TokenAcquisitionError, no replay", async () => {
    server.use(
      http.post(TOKEN_URL, () =>
        HttpResponse.json({ access_token: 'bound-token', token_type: 'DPoP', expires_in: 3600 }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(hostileNonce, async (hostile) => {
        const api = partner();
        api.faults.failNext(1, 401, {
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': hostile.value },
        });
        const auth = clientCredentialsAuth({
          tokenEndpoint: TOKEN_URL,
          clientId: `rs-nonce-${++clients}`,
          clientSecret: 'client-secret',
          dpop: true,
        });
        const error = await failure(createFetch({ baseUrl: API, auth })('orders'));
        expect(error).toBeInstanceOf(TokenAcquisitionError);
        expect((error as Error).message).toMatch(/^DPoP-Nonce from https:\/\/api\.partner\.example /);
        assertNoLeak(error, hostile.marker, show);
        expect(api.calls).toMatchObject({ total: 1, faulted: 1 });
      }),
      { numRuns: 30 },
    );
  });
});

describe('configured client credentials', () => {
  it('a client id or secret with controls or invisible characters: ConfigError naming it', () => {
    fc.assert(
      fc.property(
        unsafeText,
        fc.constantFrom('clientId', 'clientSecret', 'basic', 'post'),
        (hostile, where) => {
          let caught: unknown;
          try {
            if (where === 'basic') clientSecretBasic(secret(hostile.value));
            else if (where === 'post') clientSecretPost(hostile.value);
            else
              clientCredentialsAuth({
                tokenEndpoint: TOKEN_URL,
                clientId: where === 'clientId' ? hostile.value : 'client',
                clientSecret: where === 'clientSecret' ? hostile.value : 'secret',
              });
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(ConfigError);
          expect((caught as Error).message).toMatch(
            where === 'clientId'
              ? /^clientCredentialsAuth: clientId /
              : where === 'post'
                ? /^clientSecretPost: clientSecret /
                : /^clientSecretBasic: clientSecret /,
          );
          assertNoLeak(caught, hostile.marker, show);
        },
      ),
      { numRuns: 300 },
    );
  });
});
