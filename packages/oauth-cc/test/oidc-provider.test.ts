// Against a real authorization server over real HTTP on loopback: no msw in this file.
import { createFetch, globalFetchTransport, TokenAcquisitionError, type Transport } from '@attache/core';
import { toRequestInit } from '@attache/core/internal';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  type JWK,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientAuthentication,
  clientCredentialsAuth,
  clientSecretBasic,
  clientSecretJwt,
  clientSecretPost,
  DiscoveryError,
  discover,
  privateKeyJwt,
} from '../src/index.ts';
import {
  type ClientMetadata,
  DEFAULT_RESOURCE,
  type OidcProviderHarness,
  startOidcProvider,
} from './support/oidc-provider.ts';
import { type ResourceServer, startResourceServer } from './support/resource-server.ts';

const SCOPES = 'orders:read orders:write';
const JWT_SECRET = 'a-client-secret-long-enough-for-hs256-0123456789';
// Every character RFC 6749 §2.3.1's form-encoding exists for, within VSCHAR (what oidc-provider accepts).
const SPECIAL_SECRET = "p:a%s+s w&o=r/d?'~!*()";
const SPECIAL_ID = 'special:client id+%';

function client(clientId: string, metadata: Record<string, unknown>): ClientMetadata {
  return {
    client_id: clientId,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: SCOPES,
    ...metadata,
  };
}

interface KeyCase {
  readonly alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
  readonly form: 'CryptoKey' | 'JWK' | 'PEM';
  readonly privateKey: CryptoKey | JWK | string;
  readonly kid: string;
  readonly publicJwk: JWK;
}

async function keyCase(alg: KeyCase['alg'], form: KeyCase['form']): Promise<KeyCase> {
  const { privateKey, publicKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, {
    extractable: true,
  });
  const kid = `${alg.toLowerCase()}-key`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig' };
  const input =
    form === 'CryptoKey'
      ? privateKey
      : form === 'JWK'
        ? { ...(await exportJWK(privateKey)), kid }
        : await exportPKCS8(privateKey);
  return { alg, form, privateKey: input, kid, publicJwk };
}

let as: OidcProviderHarness;
let keys: KeyCase[];
const jwks = () => createRemoteJWKSet(new URL(as.jwksUri));

/** A transport that records each request (as a `Request`) before sending it with the global fetch. */
function recording(): { transport: Transport; sent: Request[] } {
  const sent: Request[] = [];
  return {
    sent,
    transport: (outgoing) => {
      sent.push(new Request(outgoing.url, toRequestInit(outgoing)));
      return globalFetchTransport(outgoing);
    },
  };
}

beforeAll(async () => {
  keys = [
    await keyCase('RS256', 'CryptoKey'),
    await keyCase('PS256', 'PEM'),
    await keyCase('ES256', 'JWK'),
    await keyCase('EdDSA', 'PEM'),
  ];
  as = await startOidcProvider({
    clients: [
      client('basic-client', {
        client_secret: 'basic-secret',
        token_endpoint_auth_method: 'client_secret_basic',
      }),
      client('post-client', {
        client_secret: 'post-secret',
        token_endpoint_auth_method: 'client_secret_post',
      }),
      client('jwt-client', { client_secret: JWT_SECRET, token_endpoint_auth_method: 'client_secret_jwt' }),
      client(SPECIAL_ID, {
        client_secret: SPECIAL_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
      }),
      client('dpop-client', {
        client_secret: 'dpop-secret',
        token_endpoint_auth_method: 'client_secret_basic',
      }),
      ...keys.map((key) =>
        client(`pkjwt-${key.alg}`, {
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [key.publicJwk] },
          // oidc-provider checks the client can receive ID tokens; an EC/OKP-only client needs a fitting alg.
          ...(key.alg === 'ES256' || key.alg === 'EdDSA' ? { id_token_signed_response_alg: 'ES256' } : {}),
        }),
      ),
    ],
  });
});
afterAll(() => as.close());

describe('discovery against oidc-provider', () => {
  it('finds the token endpoint through RFC 8414 first, with the issuer checked', async () => {
    const before = as.requests.length;
    const metadata = await discover(as.issuer, { cache: false });
    expect(metadata.issuer).toBe(as.issuer);
    expect(metadata.token_endpoint).toBe(as.tokenEndpoint);
    expect(metadata.jwks_uri).toBe(as.jwksUri);
    expect(as.requests.slice(before).map((r) => r.path)).toEqual(['/.well-known/oauth-authorization-server']);
  });

  it('falls back to the OpenID configuration when RFC 8414 metadata is absent', async () => {
    const server = await startOidcProvider({ clients: [], rfc8414: false });
    try {
      const metadata = await discover(server.issuer);
      expect(metadata.token_endpoint).toBe(server.tokenEndpoint);
      expect(server.requests.map((r) => r.path)).toEqual([
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
      ]);
    } finally {
      await server.close();
    }
  });

  it('refuses metadata whose issuer is not exactly the one asked for', async () => {
    // `http://127.0.0.1:<port>/` and `http://127.0.0.1:<port>` are different issuer identifiers.
    const error = await discover(`${as.issuer}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'issuer_mismatch', code: 'TOKEN_ACQUISITION', isRetryable: false });
  });
});

describe('client authentication methods against oidc-provider', () => {
  async function obtain(clientId: string, clientAuthentication: ClientAuthentication) {
    const { transport, sent } = recording();
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId,
      clientAuthentication,
      scope: 'orders:read',
      resource: DEFAULT_RESOURCE,
      transport,
    });
    const token = await auth.source.get();
    const { payload, protectedHeader } = await jwtVerify(token.value.reveal(), jwks(), {
      issuer: as.issuer,
      audience: DEFAULT_RESOURCE,
      typ: 'at+jwt',
    });
    const tokenRequest = sent.find((request) => request.url === as.tokenEndpoint);
    if (tokenRequest === undefined) throw new Error('no token request was sent');
    const form = new URLSearchParams(await tokenRequest.text());
    return { token, payload, protectedHeader, form, headers: tokenRequest.headers };
  }

  it('client_secret_basic', async () => {
    const { token, payload, form, headers } = await obtain('basic-client', clientSecretBasic('basic-secret'));
    expect(token.type).toBe('Bearer');
    expect(payload).toMatchObject({ client_id: 'basic-client', scope: 'orders:read', aud: DEFAULT_RESOURCE });
    expect(headers.get('authorization')).toMatch(/^Basic /);
    expect(form.get('client_secret')).toBeNull();
    expect(form.getAll('resource')).toEqual([DEFAULT_RESOURCE]);
    expect(form.get('grant_type')).toBe('client_credentials');
  });

  it('client_secret_post', async () => {
    const { payload, form, headers } = await obtain('post-client', clientSecretPost('post-secret'));
    expect(payload).toMatchObject({ client_id: 'post-client', scope: 'orders:read' });
    expect(headers.get('authorization')).toBeNull();
    expect(form.get('client_id')).toBe('post-client');
    expect(form.get('client_secret')).toBe('post-secret');
  });

  it('client_secret_jwt (HS256)', async () => {
    const { payload, form } = await obtain('jwt-client', clientSecretJwt(JWT_SECRET));
    expect(payload).toMatchObject({ client_id: 'jwt-client', scope: 'orders:read' });
    const assertion = form.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion).alg).toBe('HS256');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  it.each([
    ['RS256', 'CryptoKey'],
    ['PS256', 'PEM'],
    ['ES256', 'JWK'],
    ['EdDSA', 'PEM'],
  ] as const)('private_key_jwt with a %s key given as %s', async (alg, form) => {
    const key = keys.find((candidate) => candidate.alg === alg && candidate.form === form);
    if (key === undefined) throw new Error('missing key');
    const method = privateKeyJwt(key.privateKey, { kid: key.kid, ...(alg === 'PS256' ? { alg } : {}) });
    const result = await obtain(`pkjwt-${alg}`, method);
    expect(result.payload).toMatchObject({
      client_id: `pkjwt-${alg}`,
      scope: 'orders:read',
      aud: DEFAULT_RESOURCE,
    });
    const assertion = result.form.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg, kid: key.kid });
    const claims = decodeJwt(assertion);
    expect(claims).toMatchObject({ iss: `pkjwt-${alg}`, sub: `pkjwt-${alg}`, aud: as.tokenEndpoint });
    expect(claims.exp).toBe((claims.iat ?? 0) + 60);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('percent-encodes the client id and secret before base64 (":", "%", "+", spaces as %20)', async () => {
    const { payload, headers } = await obtain(SPECIAL_ID, clientSecretBasic(SPECIAL_SECRET));
    expect(payload.client_id).toBe(SPECIAL_ID);
    const encoded = atob((headers.get('authorization') ?? '').slice('Basic '.length));
    expect(encoded).toBe('special%3Aclient%20id%2B%25:p%3Aa%25s%2Bs%20w%26o%3Dr%2Fd%3F%27%7E%21*%28%29');
  });

  it('a wrong secret gives TokenAcquisitionError with invalid_client and the HTTP status', async () => {
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId: 'post-client',
      clientAuthentication: clientSecretPost('not-the-secret'),
      scope: 'orders:write',
      resource: DEFAULT_RESOURCE,
    });
    const before = as.tokenRequests();
    const error = await auth.source.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401, isRetryable: false });
    // 401 is not retried.
    expect(as.tokenRequests() - before).toBe(1);
    expect(String((error as Error).message)).not.toContain('not-the-secret');
  });

  it('an unknown resource gives invalid_target', async () => {
    const auth = clientCredentialsAuth({
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'basic-client',
      clientSecret: 'basic-secret',
      resource: 'https://unknown.example/',
    });
    await expect(auth.source.get()).rejects.toMatchObject({ error: 'invalid_target', status: 400 });
  });
});

describe('DPoP against oidc-provider', () => {
  let api: ResourceServer;
  beforeAll(async () => {
    api = await startResourceServer({
      issuer: as.issuer,
      jwksUri: as.jwksUri,
      audience: DEFAULT_RESOURCE,
      requireNonce: true,
    });
  });
  afterAll(() => api.close());

  it('gets a DPoP-bound token and sends proofs with htm, htu, iat, jti, ath and the resource nonce', async () => {
    const key = await generateKeyPair('ES256');
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId: 'dpop-client',
      clientSecret: 'dpop-secret',
      scope: 'orders:read',
      resource: DEFAULT_RESOURCE,
      dpop: { key },
    });
    const partner = createFetch({ baseUrl: api.origin, auth });
    const response = await partner('orders?status=open#frag', { method: 'GET' });
    expect(response.status).toBe(200);

    const token = await auth.source.get();
    expect(token.type).toBe('DPoP');
    const { payload } = await jwtVerify(token.value.reveal(), jwks(), {
      issuer: as.issuer,
      audience: DEFAULT_RESOURCE,
    });
    expect((payload.cnf as { jkt: string }).jkt).toBe(
      await calculateJwkThumbprint(await exportJWK(key.publicKey)),
    );

    // First try without the resource's nonce: use_dpop_nonce; the one replay carries it and succeeds.
    expect(api.requests.map((r) => r.status)).toEqual([401, 200]);
    const [first, second] = api.requests;
    expect(first?.scheme).toBe('DPoP');
    expect(first?.proof?.claims.nonce).toBeUndefined();
    expect(second?.proof?.claims).toMatchObject({
      htm: 'GET',
      htu: `${api.origin}/orders`,
      nonce: 'nonce-2',
    });
    expect(second?.proof?.claims.ath).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(typeof second?.proof?.claims.iat).toBe('number');
    expect(second?.proof?.claims.jti).not.toBe(first?.proof?.claims.jti);
    expect(second?.proof?.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(second?.proof?.header.jwk).not.toHaveProperty('d');
  });

  it('answers use_dpop_nonce at the token endpoint with one retry carrying the nonce', async () => {
    as.requireDpopNonce(true);
    try {
      const before = as.tokenRequests();
      const { transport, sent } = recording();
      const auth = clientCredentialsAuth({
        issuer: as.issuer,
        clientId: 'dpop-client',
        clientSecret: 'dpop-secret',
        scope: 'orders:write',
        resource: DEFAULT_RESOURCE,
        dpop: true,
        transport,
      });
      const token = await auth.source.get();
      expect(token.type).toBe('DPoP');
      expect(as.tokenRequests() - before).toBe(2);
      const proofs = sent
        .filter((r) => r.url === as.tokenEndpoint)
        .map((r) => decodeJwt(r.headers.get('dpop') ?? ''));
      expect(proofs).toHaveLength(2);
      expect(proofs[0]?.nonce).toBeUndefined();
      expect(proofs[1]).toMatchObject({ htm: 'POST', htu: as.tokenEndpoint });
      expect(typeof proofs[1]?.nonce).toBe('string');
      expect(proofs[1]?.ath).toBeUndefined();
    } finally {
      as.requireDpopNonce(false);
    }
  });
});
