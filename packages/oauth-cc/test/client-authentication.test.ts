import { ConfigError, secret } from '@attache/core';
import { decodeJwt, decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type ClientAuthentication,
  type ClientAuthenticationRequest,
  clientSecretBasic,
  clientSecretJwt,
  clientSecretPost,
  formUrlEncode,
  privateKeyJwt,
  selfSignedTlsClientAuth,
  tlsClientAuth,
} from '../src/index.ts';

const NOW = 1_750_000_000_000;

async function apply(method: ClientAuthentication, issuer?: string) {
  const request: ClientAuthenticationRequest = {
    clientId: 'client:1',
    tokenEndpoint: 'https://as.example/token',
    issuer,
    headers: new Headers(),
    body: new URLSearchParams([['grant_type', 'client_credentials']]),
    now: () => NOW,
  };
  await method.apply(request);
  return request;
}

describe('formUrlEncode (application/x-www-form-urlencoded, as RFC 6749 §2.3.1 requires)', () => {
  it.each([
    ['a:b', 'a%3Ab'],
    ['100%', '100%25'],
    ['a+b', 'a%2Bb'],
    ['a b', 'a+b'],
    ['ü€', '%C3%BC%E2%82%AC'],
    ["*-._~!'()", '*-._%7E%21%27%28%29'],
  ])('%s → %s', (input, expected) => {
    expect(formUrlEncode(input)).toBe(expected);
  });
});

describe('client_secret_basic', () => {
  it('sends Basic base64(enc(id):enc(secret)), a space as %20, and nothing in the body', async () => {
    const request = await apply(clientSecretBasic(secret('p a:s%s+')));
    expect(request.headers.get('authorization')).toBe(`Basic ${btoa('client%3A1:p%20a%3As%25s%2B')}`);
    expect([...request.body.keys()]).toEqual(['grant_type']);
  });

  it.each([[''], [undefined], [42]])('refuses the secret %j at once', (bad) => {
    expect(() => clientSecretBasic(bad as never)).toThrow(ConfigError);
  });
});

describe('client_secret_post', () => {
  it('puts client_id and client_secret in the body', async () => {
    const request = await apply(clientSecretPost('s'.repeat(8)));
    expect(request.body.get('client_id')).toBe('client:1');
    expect(request.body.get('client_secret')).toBe('ssssssss');
    expect(request.headers.has('authorization')).toBe(false);
  });
});

describe('client_secret_jwt', () => {
  it('signs iss = sub = client id, aud = token endpoint, jti, iat, exp = iat + 60 with HS256', async () => {
    const key = 'k'.repeat(32);
    const request = await apply(clientSecretJwt(key));
    const assertion = request.body.get('client_assertion') ?? '';
    const { payload, protectedHeader } = await jwtVerify(assertion, new TextEncoder().encode(key), {
      currentDate: new Date(NOW),
    });
    expect(protectedHeader).toEqual({ alg: 'HS256' });
    expect(payload).toMatchObject({
      iss: 'client:1',
      sub: 'client:1',
      aud: 'https://as.example/token',
      iat: NOW / 1000,
      exp: NOW / 1000 + 60,
    });
    expect(request.body.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    expect(request.body.get('client_id')).toBe('client:1');
  });

  it('uses a fresh jti every time', async () => {
    const method = clientSecretJwt('k'.repeat(32));
    const jtis = new Set<unknown>();
    for (let i = 0; i < 5; i++)
      jtis.add(decodeJwt((await apply(method)).body.get('client_assertion') ?? '').jti);
    expect(jtis.size).toBe(5);
  });

  it("audience 'issuer' uses the issuer, and needs one", async () => {
    const method = clientSecretJwt('k'.repeat(32), { alg: 'HS512', audience: 'issuer' });
    const assertion = (await apply(method, 'https://as.example')).body.get('client_assertion') ?? '';
    expect(decodeJwt(assertion).aud).toBe('https://as.example');
    expect(decodeProtectedHeader(assertion).alg).toBe('HS512');
    await expect(apply(method)).rejects.toThrow(ConfigError);
  });

  it('refuses an unknown alg at once', () => {
    expect(() => clientSecretJwt('k', { alg: 'none' as never })).toThrow(/alg must be HS256/);
  });
});

describe('private_key_jwt', () => {
  it.each([
    ['RS256', 'RS256'],
    ['PS256', 'PS256'],
    ['ES256', 'ES256'],
    ['ES384', 'ES384'],
    ['Ed25519', 'EdDSA'],
  ] as const)('tells the alg of a %s key in every form (CryptoKey, JWK, PEM)', async (generate, alg) => {
    const { privateKey, publicKey } = await generateKeyPair(generate, { extractable: true });
    const forms = [
      privateKey,
      { ...(await exportJWK(privateKey)), kid: 'jwk-kid' },
      await exportPKCS8(privateKey),
    ];
    for (const form of forms) {
      // Exported as PKCS#8 or as a JWK without `alg`, an RSA-PSS key looks like any RSA key (RS256 by
      // default): PSS must then be asked for. A CryptoKey says RSA-PSS itself.
      const options = generate === 'PS256' && !(form instanceof CryptoKey) ? { alg } : {};
      const request = await apply(privateKeyJwt(form, options));
      const assertion = request.body.get('client_assertion') ?? '';
      const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
        currentDate: new Date(NOW),
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(protectedHeader.kid).toBe(typeof form === 'object' && 'kty' in form ? 'jwk-kid' : undefined);
      expect(payload).toMatchObject({
        iss: 'client:1',
        sub: 'client:1',
        aud: 'https://as.example/token',
        exp: NOW / 1000 + 60,
      });
    }
  });

  it('signs PSS with an RSA key when asked, with the given kid', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const assertion =
      (
        await apply(privateKeyJwt(secret(await exportPKCS8(privateKey)), { alg: 'PS256', kid: 'k1' }))
      ).body.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'PS256', kid: 'k1' });
  });

  it('refuses unusable keys at once, naming the problem', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    expect(() => privateKeyJwt(ec.publicKey)).toThrow(/private CryptoKey/);
    const publicJwk = await exportJWK(ec.publicKey);
    expect(() => privateKeyJwt(publicJwk)).toThrow(/public JWK/);
    expect(() => privateKeyJwt(ec.privateKey, { alg: 'RS256' })).toThrow(/does not fit/);
    expect(() =>
      privateKeyJwt('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'),
    ).toThrow(/PKCS#8/);
    expect(() => privateKeyJwt('not a key')).toThrow(ConfigError);
    expect(() => privateKeyJwt({ kty: 'oct', k: 'AAAA', d: 'x' } as never)).toThrow(/pass alg/);
    expect(() => privateKeyJwt(ec.privateKey, { alg: 'HS256' as never })).toThrow(/not one of/);
  });
});

describe('tls_client_auth and self_signed_tls_client_auth', () => {
  it('put only client_id in the body and declare mutual TLS', async () => {
    for (const [method, name] of [
      [tlsClientAuth(), 'tls_client_auth'],
      [selfSignedTlsClientAuth(), 'self_signed_tls_client_auth'],
    ] as const) {
      const request = await apply(method);
      expect(method).toMatchObject({ method: name, usesMutualTls: true });
      expect([...request.body]).toEqual([
        ['grant_type', 'client_credentials'],
        ['client_id', 'client:1'],
      ]);
      expect(request.headers.has('authorization')).toBe(false);
    }
  });
});
