import { revealSecret, TokenResponseError } from '@attache/core';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { discover } from '../src/index.ts';
import { parseOAuthError } from '../src/token-endpoint-error.ts';
import { parseTokenResponse } from '../src/token-response.ts';

const server = useMswServer();
const BEARER = { dpop: false };
const valid = { access_token: 'at-123456789', token_type: 'Bearer' };

function fieldOf(body: unknown): string | undefined {
  try {
    parseTokenResponse(body, null, BEARER);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TokenResponseError);
    return (error as TokenResponseError).field;
  }
}

describe('token response shape (RFC 6749 §5.1)', () => {
  it.each([
    ['a string', 'at', 'access_token'],
    ['an array', [valid], 'access_token'],
    ['null', null, 'access_token'],
    ['a number', 3, 'access_token'],
    ['no access_token', { token_type: 'Bearer' }, 'access_token'],
    ['an empty access_token', { ...valid, access_token: '' }, 'access_token'],
    ['a numeric access_token', { ...valid, access_token: 42 }, 'access_token'],
    [
      'an inherited access_token',
      Object.assign(Object.create({ access_token: 'x' }), { token_type: 'Bearer' }),
      'access_token',
    ],
    ['no token_type', { access_token: 'at' }, 'token_type'],
    ['an empty token_type', { ...valid, token_type: '' }, 'token_type'],
    ['an object token_type', { ...valid, token_type: {} }, 'token_type'],
    ['expires_in as words', { ...valid, expires_in: 'an hour' }, 'expires_in'],
    ['expires_in as a boolean', { ...valid, expires_in: true }, 'expires_in'],
    [
      'expires_in beyond a double',
      JSON.parse('{"access_token":"a","token_type":"Bearer","expires_in":1e400}'),
      'expires_in',
    ],
    ['expires_in as a list', { ...valid, expires_in: [60] }, 'expires_in'],
    ['refresh_in as words', { ...valid, refresh_in: 'soon' }, 'refresh_in'],
    ['a numeric scope', { ...valid, scope: 7 }, 'scope'],
    ['a null scope', { ...valid, scope: null }, 'scope'],
    ['an empty refresh_token', { ...valid, refresh_token: '' }, 'refresh_token'],
    ['a numeric refresh_token', { ...valid, refresh_token: 1 }, 'refresh_token'],
    ['both access_token and token_type missing', {}, 'access_token'],
    ['token_type and expires_in wrong', { access_token: 'a', token_type: 1, expires_in: 'x' }, 'token_type'],
  ])('refuses %s, naming the first field at fault', (_name, body, field) => {
    expect(fieldOf(body)).toBe(field);
  });

  it.each([
    ['the minimum', valid],
    ['expires_in as a number', { ...valid, expires_in: 3600 }],
    ['expires_in as quoted digits', { ...valid, expires_in: ' 3600 ' }],
    ['expires_in as null', { ...valid, expires_in: null }],
    ['refresh_in as a fraction', { ...valid, refresh_in: '1.5' }],
    ['a scope and a refresh token', { ...valid, scope: 'a b', refresh_token: 'rt' }],
    ['lower-case bearer', { ...valid, token_type: 'bearer' }],
  ])('accepts %s', (_name, body) => {
    expect(fieldOf(body)).toBeUndefined();
  });

  it('keeps the fields it does not read, and none of the credentials, in extra', () => {
    const response = parseTokenResponse(
      { ...valid, refresh_token: 'rt-1', id_token: 'id', scope: 'a', tenant: { id: 7 } },
      'Mon, 07 Dec 2026 10:00:00 GMT',
      BEARER,
    );
    expect(revealSecret(response.accessToken)).toBe(valid.access_token);
    expect(response.refreshToken?.reveal()).toBe('rt-1');
    expect(response.extra).toEqual({ scope: 'a', tenant: { id: 7 } });
    expect(response.serverDate).toBe('Mon, 07 Dec 2026 10:00:00 GMT');
  });

  it('copies a __proto__ field into extra as nothing, never as a prototype', () => {
    const response = parseTokenResponse(
      JSON.parse('{"access_token":"a","token_type":"Bearer","__proto__":{"scope":"admin"},"tenant":"t"}'),
      null,
      BEARER,
    );
    expect(Object.getPrototypeOf(response.extra)).toBe(Object.prototype);
    expect(Object.keys(response.extra ?? {})).toEqual(['tenant']);
    expect((response.extra as { scope?: unknown }).scope).toBeUndefined();
  });

  it('gives back the token or a TokenResponseError for any JSON, never quoting the token', () => {
    const token = fc.string({ minLength: 12 }).map((text) => `tok-${text}`);
    const anyValue = fc.oneof(fc.jsonValue(), token, fc.constant(undefined));
    const body = fc.record(
      {
        access_token: fc.oneof(token, anyValue),
        token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'DPoP', 'mac'), anyValue),
        expires_in: fc.oneof(fc.integer(), fc.double(), fc.constant('60'), anyValue),
        refresh_in: anyValue,
        scope: fc.oneof(fc.string(), anyValue),
        refresh_token: fc.oneof(token, anyValue),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(body, fc.jsonValue()), (input) => {
        try {
          const response = parseTokenResponse(input, null, BEARER);
          const record = input as Record<string, unknown>;
          expect(revealSecret(response.accessToken)).toBe(record.access_token);
          expect(response.tokenType).toBe('Bearer');
          expect(response.expiresIn).toBe(record.expires_in);
        } catch (error) {
          expect(error).toBeInstanceOf(TokenResponseError);
          const secret = (input as { access_token?: unknown } | null)?.access_token;
          if (typeof secret === 'string' && secret.length >= 4) {
            expect((error as Error).message).not.toContain(secret);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('token endpoint error body (RFC 6749 §5.2)', () => {
  it.each([
    [{ error: 'invalid_client' }, true],
    [{ error: 'invalid_client', error_description: 'no', error_uri: 'https://x.example' }, true],
    [{ error: 'invalid_client', extra: 1 }, true],
    [{ error: '' }, false],
    [{ error: 400 }, false],
    [{ error: 'invalid_client', error_description: 5 }, false],
    [{ error: 'invalid_client', error_uri: null }, false],
    [{}, false],
    [[{ error: 'x' }], false],
    ['invalid_client', false],
    [null, false],
    [undefined, false],
  ])('%j is an error body: %s', (json, expected) => {
    const parsed = parseOAuthError(json);
    expect(parsed !== undefined).toBe(expected);
    if (expected) expect(parsed).toEqual(json);
  });
});

describe('authorization server metadata (RFC 8414 §2)', () => {
  let issuers = 0;
  const issuer = () => `https://shape${++issuers}.partner.example`;

  async function discoverWith(extra: Record<string, unknown>) {
    const id = issuer();
    const document = { issuer: id, token_endpoint: `${id}/token`, ...extra };
    server.use(http.get(`${id}/.well-known/oauth-authorization-server`, () => HttpResponse.json(document)));
    return discover(id, { cache: false });
  }

  it.each([
    ['issuer', 7],
    ['token_endpoint', 'http://plain.example/token'],
    ['token_endpoint', 'not a url'],
    ['token_endpoint', null],
    ['jwks_uri', ['https://x.example/jwks']],
    ['scopes_supported', 'a b'],
    ['scopes_supported', ['a', 1]],
    ['grant_types_supported', null],
    ['token_endpoint_auth_methods_supported', {}],
    ['token_endpoint_auth_signing_alg_values_supported', [null]],
    ['dpop_signing_alg_values_supported', 'ES256'],
    ['mtls_endpoint_aliases', ['https://mtls.example/token']],
    ['mtls_endpoint_aliases', { token_endpoint: 3 }],
    ['mtls_endpoint_aliases', null],
  ])('refuses %s = %j, naming it', async (field, value) => {
    const error = await discoverWith({ [field]: value }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DiscoveryError', reason: 'invalid_metadata' });
    expect((error as Error).message).toContain(`metadata whose ${field} is missing or invalid`);
  });

  it('keeps fields it does not check, frozen', async () => {
    const metadata = await discoverWith({
      scopes_supported: ['a'],
      mtls_endpoint_aliases: { token_endpoint: 'https://mtls.example/token' },
      registration_endpoint: 'https://x.example/register',
    });
    expect(metadata.scopes_supported).toEqual(['a']);
    expect(metadata.mtls_endpoint_aliases).toEqual({ token_endpoint: 'https://mtls.example/token' });
    expect(metadata.registration_endpoint).toBe('https://x.example/register');
    expect(Object.isFrozen(metadata)).toBe(true);
  });

  it('drops a __proto__ field of the document, so the metadata cannot carry a prototype', async () => {
    const id = issuer();
    const text = `{"issuer":${JSON.stringify(id)},"__proto__":{"token_endpoint":"https://evil.example/t"}}`;
    server.use(
      http.get(
        `${id}/.well-known/oauth-authorization-server`,
        () => new HttpResponse(text, { headers: { 'content-type': 'application/json' } }),
      ),
    );
    const metadata = await discover(id, { cache: false });
    expect(Object.keys(metadata)).toEqual(['issuer']);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(metadata.token_endpoint).toBeUndefined();
  });

  it.each([[['a']], ['a'], [null], [3]])('refuses a document that is %j, not an object', async (document) => {
    const id = issuer();
    server.use(http.get(`${id}/.well-known/oauth-authorization-server`, () => HttpResponse.json(document)));
    await expect(discover(id, { cache: false })).rejects.toMatchObject({ reason: 'invalid_metadata' });
  });
});
