// End to end: @attache/oauth-cc's clientCredentialsAuth against the mock authorization server and a mock
// partner API, through core's createFetch. oauth-cc is not a dependency of this package, so it is imported
// from its source.
import { createFetch, secret } from '@attache/core';
import { clientCredentialsAuth, clientSecretJwt, clientSecretPost, privateKeyJwt } from '@attache/oauth-cc';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { mockAuthorizationServer, mockPartnerApi } from '../src/index.ts';
import { useMswServer } from './support/msw.ts';

const AWKWARD_SECRET = 'p@ss:w+rd%/ü é';
const JWT_SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const clientKeys = await generateKeyPair('ES256');
const clientJwk = await exportJWK(clientKeys.publicKey);
const server = useMswServer();

// Tokens and discovery results are cached per issuer and client for the life of the process, so each test
// gets its own authorization server and API: counts start at zero and nothing leaks between tests.
let sandboxes = 0;
function sandbox() {
  const n = ++sandboxes;
  const issuer = `https://auth-${n}.partner.test`;
  const apiUrl = `https://api-${n}.partner.test`;
  const as = mockAuthorizationServer({
    issuer,
    clients: [
      {
        clientId: 'basic',
        clientSecret: AWKWARD_SECRET,
        tokenEndpointAuthMethod: 'client_secret_basic' as const,
      },
      {
        clientId: 'post',
        clientSecret: 'post-secret',
        tokenEndpointAuthMethod: 'client_secret_post' as const,
      },
      { clientId: 'jwt', clientSecret: JWT_SECRET, tokenEndpointAuthMethod: 'client_secret_jwt' as const },
      { clientId: 'key', jwks: { keys: [clientJwk] } },
    ].map((client) => ({ ...client, scopes: ['orders:read'] })),
    audience: apiUrl,
    dpop: { nonce: true },
  });
  const api = mockPartnerApi({
    baseUrl: apiUrl,
    guards: {
      bearer: { authorizationServer: as, audience: apiUrl, scopes: ['orders:read'], dpop: { nonce: true } },
    },
  });
  server.use(...as.handlers, ...api.handlers);
  return { as, api, issuer, apiUrl };
}

describe('clientCredentialsAuth against the mocks', () => {
  it.each([
    [
      'client_secret_basic',
      (issuer: string) =>
        clientCredentialsAuth({ issuer, clientId: 'basic', clientSecret: secret(AWKWARD_SECRET) }),
    ],
    [
      'client_secret_post',
      (issuer: string) =>
        clientCredentialsAuth({
          issuer,
          clientId: 'post',
          clientAuthentication: clientSecretPost(secret('post-secret')),
        }),
    ],
    [
      'client_secret_jwt',
      (issuer: string) =>
        clientCredentialsAuth({
          issuer,
          clientId: 'jwt',
          clientAuthentication: clientSecretJwt(secret(JWT_SECRET)),
        }),
    ],
    [
      'private_key_jwt',
      (issuer: string) =>
        clientCredentialsAuth({
          issuer,
          clientId: 'key',
          clientAuthentication: privateKeyJwt(clientKeys.privateKey, { audience: 'issuer' }),
        }),
    ],
  ] as const)('%s: discovery, one token, calls accepted', async (method, auth) => {
    const { as, api, issuer, apiUrl } = sandbox();
    const partner = createFetch({ baseUrl: apiUrl, auth: auth(issuer) });
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => partner('orders').then((r) => r.status)),
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(as.calls).toMatchObject({ oauthMetadata: 1, openidConfiguration: 0, token: 1 });
    expect(api.calls).toMatchObject({ total: 5, accepted: 5 });
    expect(as.issued.map((token) => token.authMethod)).toEqual([method]);
    expect(as.rejected).toEqual([]);
  });

  it('DPoP: nonce round trips at the token endpoint and at the API, bound token accepted', async () => {
    const { as, api, issuer, apiUrl } = sandbox();
    const partner = createFetch({
      baseUrl: apiUrl,
      auth: clientCredentialsAuth({
        issuer,
        clientId: 'basic',
        clientSecret: secret(AWKWARD_SECRET),
        dpop: true,
      }),
    });
    expect((await partner('orders')).status).toBe(200);
    expect(as.issued).toHaveLength(1);
    expect(as.issued[0]!.tokenType).toBe('DPoP');
    expect(as.rejected.map((r) => r.error)).toEqual(['use_dpop_nonce']);
    expect(api.requests.map((r) => r.outcome)).toEqual(['rejected', 'accepted']);
    expect(api.requests[0]!.reason).toMatch(/^use_dpop_nonce/);
  });

  it('token endpoint 503s are retried inside the call; a revoked token is refreshed and replayed once', async () => {
    const { as, api, issuer, apiUrl } = sandbox();
    as.faults.failNext(2, 503, { match: as.tokenEndpoint });
    const partner = createFetch({
      baseUrl: apiUrl,
      auth: clientCredentialsAuth({
        issuer,
        clientId: 'basic',
        clientSecret: secret(AWKWARD_SECRET),
        retry: { retries: 2, minDelay: 0, maxDelay: 0 },
      }),
    });
    expect((await partner('orders')).status).toBe(200);
    expect(as.calls.token).toBe(3);
    expect(as.issued).toHaveLength(1);
    as.revoke();
    expect((await partner('orders')).status).toBe(200);
    expect(as.issued).toHaveLength(2);
    expect(api.requests.map((r) => r.outcome)).toEqual(['accepted', 'rejected', 'accepted']);
  });
});
