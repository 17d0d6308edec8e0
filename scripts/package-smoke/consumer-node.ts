// A Node service's view of the published types (ESM, `module: nodenext`, Node types). Compiled by
// check-packages against the installed tarballs with `skipLibCheck: false`.
import { apiKeyAuth } from '@attache/api-key';
import { createClient, createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { certificateThumbprint, mtlsTransport, TlsError } from '@attache/mtls-node';
import { clientCredentialsAuth, discover } from '@attache/oauth-cc';
import { type attacheTelemetry, consoleEventLogger } from '@attache/otel';
import { createFaults, mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { createRedisTokenStore, type RedisTokenStoreEvent } from '@attache/token-store-redis';
import { setupServer } from 'msw/node';

const transport = mtlsTransport({ cert: { file: 'client.pem' }, key: { file: 'client-key.pem' } });
export const partner = createClient({
  baseUrl: 'https://api.partner.example',
  auth: [apiKeyAuth({ key: secret('k') }), hmacAuth({ keyId: 'a', key: secret('k'.repeat(32)) })],
  transport,
});
export const oauthFetch = createFetch({
  baseUrl: 'https://api.partner.example',
  auth: clientCredentialsAuth({ issuer: 'https://auth.partner.example', clientId: 'c', clientSecret: 's' }),
});
export const metadata: Promise<unknown> = discover('https://auth.partner.example');
export const thumbprint: string = certificateThumbprint('-----BEGIN CERTIFICATE-----');
export const log = consoleEventLogger();
export type Telemetry = ReturnType<typeof attacheTelemetry>;
export const isTls = (error: unknown): boolean => error instanceof TlsError && error.reason !== undefined;

const as = mockAuthorizationServer({
  issuer: 'https://auth.test',
  clients: [{ clientId: 'c', clientSecret: 's' }],
});
const api = mockPartnerApi({ baseUrl: 'https://api.test', guards: { bearer: { authorizationServer: as } } });
export const server = setupServer(...as.handlers, ...api.handlers);
export const faults = createFaults();

const storeEvents: RedisTokenStoreEvent[] = [];
const store = createRedisTokenStore({
  url: secret('redis://127.0.0.1:6379'),
  encryption: { key: new Uint8Array(32) },
  onEvent: (event) => storeEvents.push(event),
});
const source = createTokenSource(async () => ({ accessToken: secret('t'), expiresIn: 300 }), {
  key: 'k',
  store,
});
export const storeFetch = createFetch({
  baseUrl: 'https://api.partner.example',
  auth: tokenAuth({ source }),
});
