import { ConfigError } from '@attache/core';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { mockAuthorizationServer } from '../src/index.ts';
import { useMswServer } from './support/msw.ts';
import {
  ASSERTION_TYPE,
  basicAuthorization,
  clientAssertion,
  dpopKey,
  dpopProof,
  requestToken,
} from './support/oauth.ts';

const ISSUER = 'https://auth.partner.test';
const TOKEN_ENDPOINT = `${ISSUER}/token`;
// Characters that RFC 6749 §2.3.1's form-urlencoding changes: a client that skips it sends other bytes.
const AWKWARD_SECRET = 'p@ss:w+rd%/ü é';

const es256 = await generateKeyPair('ES256');
const rs256 = await generateKeyPair('RS256');
const stranger = await generateKeyPair('ES256');

const as = mockAuthorizationServer({
  issuer: ISSUER,
  clients: [
    { clientId: 'basic-client', clientSecret: AWKWARD_SECRET, scopes: ['orders:read', 'orders:write'] },
    { clientId: 'post-only', clientSecret: 'post-secret', tokenEndpointAuthMethod: 'client_secret_post' },
    {
      clientId: 'jwt-secret',
      clientSecret: 'a-shared-secret-of-at-least-32-bytes!',
      tokenEndpointAuthMethod: 'client_secret_jwt',
    },
    {
      clientId: 'key-client',
      jwks: {
        keys: [
          { ...(await exportJWK(es256.publicKey)), kid: 'k1' },
          { ...(await exportJWK(rs256.publicKey)), kid: 'k2' },
        ],
      },
      audiences: ['https://api.partner.test', 'https://files.partner.test'],
    },
    { clientId: 'dpop-client', clientSecret: 'dpop-secret', dpopBoundAccessTokens: true },
    { clientId: 'no-cc', clientSecret: 'no-cc-secret', grantTypes: ['authorization_code'] },
    { clientId: 'tenant', clientSecret: 'tenant-secret', claims: { tenant: 'acme', iss: 'ignored' } },
  ],
});
const server = useMswServer(...as.handlers);
afterEach(() => as.reset());

const basic = (id = 'basic-client', secret = AWKWARD_SECRET) => ({
  authorization: basicAuthorization(id, secret),
});

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('discovery and JWKS', () => {
  it('serves RFC 8414 and OpenID metadata that name the endpoints', async () => {
    const oauth = await fetch(`${ISSUER}/.well-known/oauth-authorization-server`);
    const openid = await fetch(`${ISSUER}/.well-known/openid-configuration`);
    expect(oauth.status).toBe(200);
    const document = await json(oauth);
    expect(document).toMatchObject({
      issuer: ISSUER,
      token_endpoint: TOKEN_ENDPOINT,
      jwks_uri: `${ISSUER}/jwks`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
      ],
    });
    expect(document.dpop_signing_alg_values_supported).toContain('ES256');
    expect(await json(openid)).toEqual(document);
    expect(as.calls).toMatchObject({
      discovery: 2,
      oauthMetadata: 1,
      openidConfiguration: 1,
      jwks: 0,
      token: 0,
    });
  });

  it('puts the well-known segment before the issuer path (RFC 8414 §3.1)', async () => {
    const tenant = mockAuthorizationServer({ issuer: 'https://auth.partner.test/tenants/acme', clients: [] });
    expect(tenant.metadataUrl).toBe(
      'https://auth.partner.test/.well-known/oauth-authorization-server/tenants/acme',
    );
    expect(tenant.openidConfigurationUrl).toBe(
      'https://auth.partner.test/tenants/acme/.well-known/openid-configuration',
    );
    expect(tenant.tokenEndpoint).toBe('https://auth.partner.test/tenants/acme/token');
  });

  it('answers 404 for a metadata document it does not serve', async () => {
    const openidOnly = mockAuthorizationServer({
      issuer: 'https://openid.partner.test',
      clients: [],
      discovery: 'openid',
    });
    server.use(...openidOnly.handlers);
    expect((await fetch(openidOnly.metadataUrl)).status).toBe(404);
    expect((await fetch(openidOnly.openidConfigurationUrl)).status).toBe(200);
    expect(openidOnly.calls).toMatchObject({ discovery: 2, oauthMetadata: 1, openidConfiguration: 1 });
  });

  it('serves a JWKS that verifies the tokens it issues', async () => {
    const response = await requestToken(TOKEN_ENDPOINT, { headers: basic() });
    const { access_token } = await json(response);
    const keys = createRemoteJWKSet(new URL(as.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(String(access_token), keys, { issuer: ISSUER });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload.client_id).toBe('basic-client');
    expect(as.calls.jwks).toBe(1);
  });
});

describe('client_secret_basic', () => {
  it('accepts id and secret form-urlencoded before base64 and issues a JWT with every claim', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await requestToken(TOKEN_ENDPOINT, {
      headers: basic(),
      params: { scope: 'orders:read' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('date')).not.toBeNull();
    const body = await json(response);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders:read' });
    expect(body).not.toHaveProperty('refresh_in');
    const claims = decodeJwt(String(body.access_token));
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: 'basic-client',
      client_id: 'basic-client',
      scope: 'orders:read',
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(typeof claims.jti).toBe('string');
    expect(claims).not.toHaveProperty('aud');
    expect(as.issued).toHaveLength(1);
    expect(as.issued[0]).toMatchObject({
      clientId: 'basic-client',
      authMethod: 'client_secret_basic',
      tokenType: 'Bearer',
    });
    expect(as.issued[0]!.params).toEqual({ grant_type: ['client_credentials'], scope: ['orders:read'] });
  });

  it('refuses a client that skipped the form-urlencoding, with 401 and a Basic challenge', async () => {
    const response = await requestToken(TOKEN_ENDPOINT, {
      headers: { authorization: basicAuthorization('basic-client', AWKWARD_SECRET, false) },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="https:\/\/auth\.partner\.test"/);
    expect(await json(response)).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a wrong secret and an unknown client without echoing the secret', async () => {
    const wrong = await requestToken(TOKEN_ENDPOINT, { headers: basic('basic-client', 'guess-123') });
    const unknown = await requestToken(TOKEN_ENDPOINT, { headers: basic('nobody', 'guess-456') });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const bodies = JSON.stringify([await json(wrong), await json(unknown), as.rejected]);
    expect(bodies).toContain('invalid_client');
    expect(bodies).not.toContain('guess-');
    expect(as.rejected.map((r) => r.clientId)).toEqual(['basic-client', 'nobody']);
  });

  it('grants every allowed scope when none is asked for, and refuses a scope the client may not have', async () => {
    const all = await json(await requestToken(TOKEN_ENDPOINT, { headers: basic() }));
    expect(all.scope).toBe('orders:read orders:write');
    const denied = await requestToken(TOKEN_ENDPOINT, {
      headers: basic(),
      params: { scope: 'orders:read admin' },
    });
    expect(denied.status).toBe(400);
    expect(await json(denied)).toMatchObject({ error: 'invalid_scope' });
  });

  it('keeps registered claims its own and adds the client claims', async () => {
    const body = await json(
      await requestToken(TOKEN_ENDPOINT, { headers: basic('tenant', 'tenant-secret') }),
    );
    expect(decodeJwt(String(body.access_token))).toMatchObject({ iss: ISSUER, tenant: 'acme' });
  });
});

describe('client_secret_post', () => {
  it('accepts client_id and client_secret in the body and does not record the secret', async () => {
    const response = await requestToken(TOKEN_ENDPOINT, {
      params: { client_id: 'post-only', client_secret: 'post-secret' },
    });
    expect(response.status).toBe(200);
    expect(as.issued[0]!.authMethod).toBe('client_secret_post');
    expect(as.issued[0]!.params).not.toHaveProperty('client_secret');
  });

  it('refuses a method the client is not registered for', async () => {
    const response = await requestToken(TOKEN_ENDPOINT, { headers: basic('post-only', 'post-secret') });
    expect(response.status).toBe(401);
    expect(await json(response)).toMatchObject({
      error: 'invalid_client',
      error_description: 'client is registered for client_secret_post, not client_secret_basic',
    });
  });

  it('refuses two methods at once (RFC 6749 §2.3) and none at all', async () => {
    const two = await requestToken(TOKEN_ENDPOINT, {
      headers: basic(),
      params: { client_id: 'basic-client', client_secret: AWKWARD_SECRET },
    });
    expect(two.status).toBe(400);
    expect(await json(two)).toMatchObject({ error: 'invalid_request' });
    const none = await requestToken(TOKEN_ENDPOINT, { params: { client_id: 'basic-client' } });
    expect(none.status).toBe(401);
    expect(await json(none)).toMatchObject({ error: 'invalid_client' });
  });
});

describe('client_secret_jwt', () => {
  const key = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!');
  const assertion = (overrides: Partial<Parameters<typeof clientAssertion>[0]> = {}) =>
    clientAssertion({ clientId: 'jwt-secret', audience: TOKEN_ENDPOINT, alg: 'HS256', key, ...overrides });
  const send = async (jwt: string, extra: Record<string, string> = {}) =>
    requestToken(TOKEN_ENDPOINT, {
      params: { client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra },
    });

  it('accepts an HS256 assertion whose aud is the token endpoint or the issuer', async () => {
    expect((await send(await assertion())).status).toBe(200);
    expect((await send(await assertion({ audience: ISSUER }), { client_id: 'jwt-secret' })).status).toBe(200);
    expect(as.issued.map((t) => t.authMethod)).toEqual(['client_secret_jwt', 'client_secret_jwt']);
  });

  it('refuses a reused jti, a wrong aud, an expired assertion, a missing jti and a wrong secret', async () => {
    const once = await assertion({ jti: 'fixed-jti' });
    expect((await send(once)).status).toBe(200);
    const cases = [
      [once, /jti was already used/],
      [await assertion({ audience: 'https://elsewhere.test' }), /"aud"/],
      [await assertion({ now: Date.now() - 600_000 }), /"exp"/],
      [await assertion({ jti: null }), /missing required "jti"/],
      [
        await assertion({ key: new TextEncoder().encode('not-the-secret-but-long-enough-too!') }),
        /signature/,
      ],
      [await assertion({ issuer: 'someone-else' }), /"iss"/],
    ] as const;
    for (const [jwt, description] of cases) {
      const response = await send(jwt);
      expect(response.status).toBe(401);
      const body = await json(response);
      expect(body.error).toBe('invalid_client');
      expect(String(body.error_description)).toMatch(description);
    }
  });

  it('refuses a wrong client_assertion_type and a client_id that is not the sub', async () => {
    const jwt = await assertion();
    const wrongType = await requestToken(TOKEN_ENDPOINT, {
      params: { client_assertion_type: 'urn:other', client_assertion: jwt },
    });
    expect(wrongType.status).toBe(400);
    expect((await send(jwt, { client_id: 'key-client' })).status).toBe(401);
  });
});

describe('private_key_jwt', () => {
  const send = async (jwt: string, extra: Record<string, string | string[]> = {}) =>
    requestToken(TOKEN_ENDPOINT, {
      params: { client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra },
    });

  it('accepts ES256 and RS256 assertions checked against the client JWKS', async () => {
    const es = await clientAssertion({
      clientId: 'key-client',
      audience: TOKEN_ENDPOINT,
      alg: 'ES256',
      key: es256.privateKey,
      kid: 'k1',
    });
    const rs = await clientAssertion({
      clientId: 'key-client',
      audience: ISSUER,
      alg: 'RS256',
      key: rs256.privateKey,
      kid: 'k2',
    });
    expect((await send(es)).status).toBe(200);
    expect((await send(rs)).status).toBe(200);
    expect(as.issued.map((t) => t.authMethod)).toEqual(['private_key_jwt', 'private_key_jwt']);
  });

  it('refuses an assertion signed by a key the client did not register', async () => {
    const jwt = await clientAssertion({
      clientId: 'key-client',
      audience: TOKEN_ENDPOINT,
      alg: 'ES256',
      key: stranger.privateKey,
    });
    const response = await send(jwt);
    expect(response.status).toBe(401);
    expect(await json(response)).toMatchObject({ error: 'invalid_client' });
  });

  it('puts resource and audience in aud, within what the client may ask for (RFC 8707)', async () => {
    const jwt = () =>
      clientAssertion({
        clientId: 'key-client',
        audience: TOKEN_ENDPOINT,
        alg: 'ES256',
        key: es256.privateKey,
      });
    const body = await json(
      await send(await jwt(), { resource: ['https://api.partner.test', 'https://files.partner.test'] }),
    );
    expect(decodeJwt(String(body.access_token)).aud).toEqual([
      'https://api.partner.test',
      'https://files.partner.test',
    ]);
    const audience = await json(await send(await jwt(), { audience: 'https://api.partner.test' }));
    expect(decodeJwt(String(audience.access_token)).aud).toBe('https://api.partner.test');
    const denied = await send(await jwt(), { resource: 'https://admin.partner.test' });
    expect(denied.status).toBe(400);
    expect(await json(denied)).toMatchObject({ error: 'invalid_target' });
    const fragment = await send(await jwt(), { resource: 'https://api.partner.test#x' });
    expect(await json(fragment)).toMatchObject({ error: 'invalid_target' });
  });
});

describe('DPoP at the token endpoint', () => {
  it('binds the token to the proof key: token_type DPoP and cnf.jkt', async () => {
    const key = await dpopKey();
    const proof = await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT });
    const response = await requestToken(TOKEN_ENDPOINT, { headers: { ...basic(), dpop: proof } });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(String(body.access_token)).cnf).toEqual({ jkt: key.jkt });
    expect(as.issued[0]!.jkt).toBe(key.jkt);
  });

  it('accepts EdDSA and RSA proofs too', async () => {
    for (const alg of ['EdDSA', 'RS256'] as const) {
      const key = await dpopKey(alg);
      const proof = await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, alg });
      expect((await requestToken(TOKEN_ENDPOINT, { headers: { ...basic(), dpop: proof } })).status).toBe(200);
    }
  });

  it('refuses proofs that are wrong in any checked way, with invalid_dpop_proof', async () => {
    const key = await dpopKey();
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const now = Math.floor(Date.now() / 1000);
    const reused = await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, jti: 'same' });
    expect((await requestToken(TOKEN_ENDPOINT, { headers: { ...basic(), dpop: reused } })).status).toBe(200);
    const cases: [string, string, RegExp][] = [
      ['wrong htm', await dpopProof(key, { htm: 'GET', htu: TOKEN_ENDPOINT }), /htm/],
      ['wrong htu', await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/other` }), /htu/],
      ['old iat', await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, iat: now - 120 }), /iat/],
      ['future iat', await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, iat: now + 120 }), /iat/],
      ['wrong typ', await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, typ: 'JWT' }), /typ/],
      ['reused jti', reused, /jti/],
      ['private jwk', await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, jwk: privateJwk }), /public/],
      [
        'other key',
        await dpopProof(key, { htm: 'POST', htu: TOKEN_ENDPOINT, jwk: (await dpopKey()).publicJwk }),
        /signature/,
      ],
      ['two headers', `${reused}, ${reused}`, /exactly one/],
    ];
    for (const [name, proof, description] of cases) {
      const response = await requestToken(TOKEN_ENDPOINT, { headers: { ...basic(), dpop: proof } });
      expect(response.status, name).toBe(400);
      const body = await json(response);
      expect(body.error, name).toBe('invalid_dpop_proof');
      expect(String(body.error_description), name).toMatch(description);
    }
  });

  it('requires a proof from a client registered with dpop_bound_access_tokens', async () => {
    const response = await requestToken(TOKEN_ENDPOINT, { headers: basic('dpop-client', 'dpop-secret') });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: 'a DPoP proof is required',
    });
  });

  it('asks for its nonce with use_dpop_nonce and DPoP-Nonce, then accepts the proof carrying it', async () => {
    const nonceServer = mockAuthorizationServer({
      issuer: 'https://nonce.partner.test',
      clients: [{ clientId: 'c', clientSecret: 's' }],
      dpop: { nonce: true },
    });
    server.use(...nonceServer.handlers);
    const key = await dpopKey();
    const htu = nonceServer.tokenEndpoint;
    const first = await requestToken(htu, {
      headers: {
        authorization: basicAuthorization('c', 's'),
        dpop: await dpopProof(key, { htm: 'POST', htu }),
      },
    });
    expect(first.status).toBe(400);
    expect(await json(first)).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toBe(nonceServer.dpopNonce);
    const second = await requestToken(htu, {
      headers: {
        authorization: basicAuthorization('c', 's'),
        dpop: await dpopProof(key, { htm: 'POST', htu, nonce: nonce ?? '' }),
      },
    });
    expect(second.status).toBe(200);
    const rotated = nonceServer.rotateDpopNonce();
    const stale = await requestToken(htu, {
      headers: {
        authorization: basicAuthorization('c', 's'),
        dpop: await dpopProof(key, { htm: 'POST', htu, nonce: nonce ?? '' }),
      },
    });
    expect(stale.status).toBe(400);
    expect(stale.headers.get('dpop-nonce')).toBe(rotated);
  });
});

describe('the request itself', () => {
  it('answers unsupported_grant_type, invalid_request and unauthorized_client as RFC 6749 §5.2 says', async () => {
    const password = await requestToken(TOKEN_ENDPOINT, { headers: basic(), grantType: 'password' });
    expect(await json(password)).toMatchObject({ error: 'unsupported_grant_type' });
    const missing = await requestToken(TOKEN_ENDPOINT, { headers: basic(), grantType: null });
    expect(await json(missing)).toMatchObject({ error: 'invalid_request' });
    const repeated = await requestToken(TOKEN_ENDPOINT, { headers: basic(), params: { scope: ['a', 'b'] } });
    expect(await json(repeated)).toMatchObject({
      error: 'invalid_request',
      error_description: 'scope must not be repeated',
    });
    const notForm = await fetch(TOKEN_ENDPOINT, {
      method: 'POST',
      headers: { ...basic(), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(await json(notForm)).toMatchObject({ error: 'invalid_request' });
    const unauthorized = await requestToken(TOKEN_ENDPOINT, { headers: basic('no-cc', 'no-cc-secret') });
    expect(unauthorized.status).toBe(400);
    expect(await json(unauthorized)).toMatchObject({ error: 'unauthorized_client' });
    const get = await fetch(TOKEN_ENDPOINT);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(as.calls.token).toBe(6);
    expect(as.rejected.map((r) => r.error)).toEqual([
      'unsupported_grant_type',
      'invalid_request',
      'invalid_request',
      'invalid_request',
      'unauthorized_client',
      'invalid_request',
    ]);
  });
});

describe('lifetimes', () => {
  it('setLifetime changes expires_in, exp and refresh_in of the next tokens; reset restores them', async () => {
    as.setLifetime(60, 45);
    const body = await json(await requestToken(TOKEN_ENDPOINT, { headers: basic() }));
    expect(body).toMatchObject({ expires_in: 60, refresh_in: 45 });
    const claims = decodeJwt(String(body.access_token));
    expect(claims.exp! - claims.iat!).toBe(60);
    as.reset();
    expect(await json(await requestToken(TOKEN_ENDPOINT, { headers: basic() }))).not.toHaveProperty(
      'refresh_in',
    );
  });

  it('sends expires_in as a string, or not at all, when told to', async () => {
    const make = (expiresIn: 'string' | 'omit') =>
      mockAuthorizationServer({
        issuer: `https://${expiresIn}.partner.test`,
        clients: [{ clientId: 'c', clientSecret: 's' }],
        accessTokenLifetime: 120,
        expiresIn,
      });
    const asString = make('string');
    const omitted = make('omit');
    server.use(...asString.handlers, ...omitted.handlers);
    const headers = { authorization: basicAuthorization('c', 's') };
    expect(await json(await requestToken(asString.tokenEndpoint, { headers }))).toMatchObject({
      expires_in: '120',
    });
    const body = await json(await requestToken(omitted.tokenEndpoint, { headers }));
    expect(body).not.toHaveProperty('expires_in');
    const claims = decodeJwt(String(body.access_token));
    expect(claims.exp! - claims.iat!).toBe(120);
  });
});

describe('tokens minted, verified, revoked', () => {
  it('verifyAccessToken checks signature, audience, expiry and revocation', async () => {
    const good = await as.issueToken({ scope: 'orders:read', audience: 'https://api.partner.test' });
    expect(
      await as.verifyAccessToken(good.accessToken, { audience: 'https://api.partner.test' }),
    ).toMatchObject({
      ok: true,
      claims: { scope: 'orders:read', client_id: 'basic-client' },
    });
    const wrongAudience = await as.verifyAccessToken(good.accessToken, { audience: 'https://other.test' });
    expect(wrongAudience).toMatchObject({ ok: false, description: expect.stringMatching(/aud/) });
    const expired = await as.issueToken({ expiresIn: -5 });
    expect(await as.verifyAccessToken(expired.accessToken)).toMatchObject({
      ok: false,
      description: expect.stringMatching(/exp/),
    });
    as.revoke(good.accessToken);
    expect(await as.verifyAccessToken(good.accessToken)).toEqual({
      ok: false,
      description: 'the access token was revoked',
    });
    expect(await as.verifyAccessToken('not.a.jwt')).toMatchObject({ ok: false });
  });

  it('rotateSigningKey invalidates earlier tokens unless the previous key is kept', async () => {
    const before = await as.issueToken();
    await as.rotateSigningKey({ keepPrevious: true });
    expect((await as.verifyAccessToken(before.accessToken)).ok).toBe(true);
    expect((await as.jwks()).keys).toHaveLength(2);
    await as.rotateSigningKey();
    expect((await as.verifyAccessToken(before.accessToken)).ok).toBe(false);
    const after = await as.issueToken();
    expect(decodeProtectedHeader(after.accessToken).kid).toBe((await as.jwks()).keys[0]!.kid);
  });
});

describe('faults and the server clock', () => {
  it('fails the next token requests with 503 and Retry-After, leaving discovery alone', async () => {
    as.faults.failNext(2, 503, { retryAfter: 2, match: as.tokenEndpoint });
    expect((await fetch(as.metadataUrl)).status).toBe(200);
    const statuses: number[] = [];
    const retryAfter: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await requestToken(TOKEN_ENDPOINT, { headers: basic() });
      statuses.push(response.status);
      retryAfter.push(response.headers.get('retry-after'));
    }
    expect(statuses).toEqual([503, 503, 200]);
    expect(retryAfter).toEqual(['2', '2', null]);
    expect(as.calls.token).toBe(3);
    expect(as.issued).toHaveLength(1);
    expect(as.faults.calls).toMatchObject({ failed: 2, requests: 4 });
  });

  it('issues tokens on its skewed clock and says so in Date', async () => {
    as.faults.skewDate(3_600_000);
    const response = await requestToken(TOKEN_ENDPOINT, { headers: basic() });
    const serverNow = Date.parse(response.headers.get('date') ?? '');
    expect(serverNow - Date.now()).toBeGreaterThan(3_590_000);
    const { iat } = decodeJwt(String((await json(response)).access_token));
    expect(Math.abs(iat! * 1000 - serverNow)).toBeLessThan(2_000);
  });
});

describe('options are checked at once', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no options', undefined, /options must be an object/],
    ['relative issuer', { issuer: '/auth', clients: [] }, /issuer must be an absolute URL/],
    ['issuer with a query', { issuer: 'https://a.test/?x=1', clients: [] }, /issuer must have no query/],
    ['no clients', { issuer: ISSUER }, /clients must be an array/],
    [
      'client without credentials',
      { issuer: ISSUER, clients: [{ clientId: 'c' }] },
      /clients\[0\] needs a clientSecret or jwks/,
    ],
    [
      'duplicate client',
      {
        issuer: ISSUER,
        clients: [
          { clientId: 'c', clientSecret: 's' },
          { clientId: 'c', clientSecret: 's' },
        ],
      },
      /clients\[1\]\.clientId "c" is registered twice/,
    ],
    [
      'method without its credential',
      {
        issuer: ISSUER,
        clients: [{ clientId: 'c', clientSecret: 's', tokenEndpointAuthMethod: 'private_key_jwt' }],
      },
      /tokenEndpointAuthMethod private_key_jwt needs jwks/,
    ],
    [
      'zero lifetime',
      { issuer: ISSUER, clients: [], accessTokenLifetime: 0 },
      /accessTokenLifetime must be a positive/,
    ],
    ['bad discovery', { issuer: ISSUER, clients: [], discovery: 'all' }, /discovery must be/],
    [
      'symmetric dpop alg',
      { issuer: ISSUER, clients: [], dpop: { algorithms: ['HS256'] } },
      /dpop\.algorithms/,
    ],
  ];
  it.each(cases)('%s', (_name, options, message) => {
    expect(() => mockAuthorizationServer(options as never)).toThrow(ConfigError);
    expect(() => mockAuthorizationServer(options as never)).toThrow(message);
  });

  it('setLifetime refuses a non-positive lifetime', () => {
    expect(() => as.setLifetime(0)).toThrow(/setLifetime: accessTokenLifetime must be a positive/);
  });
});
