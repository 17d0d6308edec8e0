// A browser or edge app's view of the published types: no Node types at all (`types: []`, DOM lib), bundler
// resolution. Compiled by check-packages against the installed tarballs with `skipLibCheck: false`.
import { apiKeyAuth } from '@attache/api-key';
import {
  type AttacheEvent,
  type Authenticator,
  createClient,
  createFetch,
  createTokenSource,
  isAttacheError,
  secret,
  TokenAcquisitionError,
  tokenAuth,
} from '@attache/core';
import { contentDigest, createHmacVerifier, type HmacVerifyResult, hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth, privateKeyJwt } from '@attache/oauth-cc';
import { createFaults, mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { setupWorker } from 'msw/browser';

const events: AttacheEvent[] = [];
const source = createTokenSource(async () => ({ accessToken: secret('token'), expiresIn: 300 }));
const auth: readonly Authenticator[] = [
  apiKeyAuth({ key: 'pk_test_123', in: 'query', name: 'key' }),
  tokenAuth({ source }),
  hmacAuth({ keyId: 'client-42', key: secret('k'.repeat(32)) }),
];
export const partnerFetch: typeof fetch = createFetch({
  baseUrl: 'https://api.partner.example',
  auth,
  retry: { retries: 1 },
  onEvent: (event) => events.push(event),
});
export const client = createClient({
  baseUrl: 'https://api.partner.example',
  auth: clientCredentialsAuth({
    issuer: 'https://auth.partner.example',
    clientId: 'billing',
    clientAuthentication: privateKeyJwt({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }),
  }),
});
export async function verify(request: Request): Promise<boolean> {
  const verifier = createHmacVerifier({ keys: { 'client-42': secret('k'.repeat(32)) } });
  const result: HmacVerifyResult = await verifier.verify(request);
  return result.ok;
}
export async function digest(): Promise<string> {
  return contentDigest(new TextEncoder().encode('{}'));
}
export function describeError(error: unknown): string {
  if (error instanceof TokenAcquisitionError) return `token: ${error.code}`;
  return isAttacheError(error) ? error.code : 'unknown';
}

// @attache/testing in a browser test suite: msw's service worker with the mocks.
const authServer = mockAuthorizationServer({
  issuer: 'https://auth.partner.test',
  clients: [{ clientId: 'c', clientSecret: 's' }],
  faults: createFaults(),
});
const partnerApi = mockPartnerApi({
  baseUrl: 'https://api.partner.test',
  guards: { apiKey: { keys: 'pk_test_1' } },
});
export const worker = setupWorker(...authServer.handlers, ...partnerApi.handlers);
