// A CommonJS TypeScript consumer (`.cts`, `module: nodenext`): `require` of the ESM-only packages, as Node
// 22.12+ allows. Compiled by check-packages against the installed tarballs.
import core = require('@attache/core');
import apiKey = require('@attache/api-key');
import hmac = require('@attache/hmac');
import mtls = require('@attache/mtls-node');
import oauth = require('@attache/oauth-cc');
import otel = require('@attache/otel');
import testing = require('@attache/testing');
import redis = require('@attache/token-store-redis');

export const partnerFetch: typeof fetch = core.createFetch({
  baseUrl: 'https://api.partner.example',
  auth: [
    apiKey.apiKeyAuth({ key: core.secret('k') }),
    oauth.clientCredentialsAuth({ issuer: 'https://auth.partner.example', clientId: 'c', clientSecret: 's' }),
    hmac.hmacAuth({ keyId: 'a', key: core.secret('k'.repeat(32)) }),
  ],
  transport: mtls.mtlsTransport({ pfx: { file: 'client.p12' }, passphrase: core.secret('p') }),
});
export const faults: testing.Faults = testing.createFaults();
export const log = otel.consoleEventLogger();
export const store: redis.RedisTokenStore = redis.createRedisTokenStore({
  url: core.secret('redis://127.0.0.1:6379'),
});
