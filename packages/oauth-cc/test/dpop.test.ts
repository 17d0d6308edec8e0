import { ConfigError, createFetch } from '@attache/core';
import { mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { type ClientCredentialsAuthOptions, clientCredentialsAuth } from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/token';
const API = 'https://api.partner.example';
const server = useMswServer();
let clients = 0;
afterEach(() => {
  server.events.removeAllListeners();
});

interface Seen {
  readonly headers: Headers;
  readonly proof: Record<string, unknown> | undefined;
  readonly proofHeader: Record<string, unknown> | undefined;
}

async function readProof(request: Request): Promise<Seen> {
  const proof = request.headers.get('dpop');
  if (proof === null) return { headers: request.headers, proof: undefined, proofHeader: undefined };
  const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
  return {
    headers: request.headers,
    proof: verified.payload,
    proofHeader: verified.protectedHeader as Record<string, unknown>,
  };
}

async function ath(token: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
  );
}

/** Token endpoint issuing DPoP tokens; `nonce` makes it demand one the way RFC 9449 §8 describes. */
function authorizationServer(options: { nonce?: string; tokenType?: string } = {}) {
  const seen: Seen[] = [];
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      const entry = await readProof(request);
      seen.push(entry);
      if (options.nonce !== undefined && entry.proof?.nonce !== options.nonce) {
        return HttpResponse.json(
          { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' },
          { status: 400, headers: { 'dpop-nonce': options.nonce } },
        );
      }
      return HttpResponse.json({
        access_token: `at-${seen.length}`,
        token_type: options.tokenType ?? 'DPoP',
        expires_in: 300,
      });
    }),
  );
  return seen;
}

/**
 * A partner that binds tokens to DPoP keys: an authorization server that knows `clientId` (secret `s`) and
 * an orders API whose guard checks every proof (`htm`, `htu`, `ath`, the key the token is bound to, a fresh
 * `jti`), with its own nonces when `nonce` is set. `GET /flaky` answers its first request 503.
 */
function dpopPartner(clientId: string, nonce = false) {
  let flaky = 0;
  const authorizationServer = mockAuthorizationServer({
    issuer: 'https://auth.partner.example',
    tokenEndpoint: TOKEN_URL,
    accessTokenLifetime: 300,
    clients: [{ clientId, clientSecret: 's', dpopBoundAccessTokens: true }],
  });
  const api = mockPartnerApi({
    baseUrl: API,
    guards: { bearer: { authorizationServer, dpop: { required: true, nonce } } },
    routes: {
      '* /orders': () => ({ ok: true }),
      'GET /flaky': () =>
        ++flaky === 1 ? new Response(null, { status: 503, headers: { 'retry-after': '0' } }) : {},
    },
  });
  server.use(...authorizationServer.handlers, ...api.handlers);
  return { authorizationServer, api };
}

/** The DPoP proofs of the requests sent to the partner API, as sent. */
function apiProofs(): Record<string, unknown>[] {
  const proofs: Record<string, unknown>[] = [];
  server.events.on('request:start', ({ request }) => {
    const proof = request.headers.get('dpop');
    if (request.url.startsWith(API) && proof !== null) proofs.push(decodeJwt(proof));
  });
  return proofs;
}

function auth(extra: Partial<ClientCredentialsAuthOptions> = {}) {
  return clientCredentialsAuth({
    tokenEndpoint: TOKEN_URL,
    clientId: `dpop-${++clients}`,
    clientSecret: 's',
    dpop: true,
    ...extra,
  } as ClientCredentialsAuthOptions);
}

describe('DPoP at the token endpoint', () => {
  it('sends a proof (typ dpop+jwt, public jwk, htm, htu, iat, jti; no ath) and gets a DPoP token', async () => {
    const seen = authorizationServer();
    const token = await auth({ now: () => 1_750_000_000_000 }).source.get();
    expect(token.type).toBe('DPoP');
    const [first] = seen;
    expect(first?.proofHeader).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(Object.keys(first?.proofHeader?.jwk as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(first?.proof).toMatchObject({ htm: 'POST', htu: TOKEN_URL, iat: 1_750_000_000 });
    expect(first?.proof?.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.proof?.ath).toBeUndefined();
  });

  it('retries once with the nonce after use_dpop_nonce', async () => {
    const seen = authorizationServer({ nonce: 'n-1' });
    await auth().source.get();
    expect(seen.map((s) => s.proof?.nonce)).toEqual([undefined, 'n-1']);
    expect(seen[0]?.proof?.jti).not.toBe(seen[1]?.proof?.jti);
  });

  it('does not loop when the server keeps asking for a nonce', async () => {
    const seen: unknown[] = [];
    server.use(
      http.post(TOKEN_URL, () => {
        seen.push(1);
        return HttpResponse.json(
          { error: 'use_dpop_nonce' },
          { status: 400, headers: { 'dpop-nonce': `n-${seen.length}` } },
        );
      }),
    );
    await expect(auth().source.get()).rejects.toMatchObject({ error: 'use_dpop_nonce', status: 400 });
    expect(seen).toHaveLength(2);
  });

  it('uses a given Ed25519 key pair (EdDSA), and binds the cache key to it', async () => {
    const seen = authorizationServer();
    const key = await generateKeyPair('Ed25519');
    const other = await generateKeyPair('ES256');
    const common = { clientId: 'shared-dpop-client', scope: 'orders:read' };
    await auth({ ...common, dpop: { key } }).source.get();
    await auth({ ...common, dpop: { key } }).source.get();
    await auth({ ...common, dpop: { key: other } }).source.get();
    // Same key: one token shared. Another key: a token of its own (a bound token is useless with another key).
    expect(seen).toHaveLength(2);
    expect(seen[0]?.proofHeader).toMatchObject({ alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519' } });
    expect(await calculateJwkThumbprint(seen[0]?.proofHeader?.jwk as never)).toBe(
      await calculateJwkThumbprint(await exportJWK(key.publicKey)),
    );
  });

  it('refuses a DPoP option that is not a key pair', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expect(() => auth({ dpop: { key: privateKey as never } })).toThrow(ConfigError);
    expect(() => auth({ dpop: 'yes' as never })).toThrow(ConfigError);
    expect(() => auth({ dpop: { alg: 'PS256' } })).toThrow(/ES256/);
  });

  it('refuses a key pair whose private key is not a private signing CryptoKey', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(pair.privateKey);
    for (const privateKey of [
      jwk,
      '-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----',
      pair.publicKey,
    ]) {
      expect(() => auth({ dpop: { key: { privateKey, publicKey: pair.publicKey } as never } })).toThrow(
        'clientCredentialsAuth: dpop.key.privateKey must be a private CryptoKey with the "sign" usage',
      );
    }
    expect(() => auth({ dpop: { key: pair, alg: 'RS256' } })).toThrow(/does not fit the key/);
  });
});

describe('DPoP at the resource', () => {
  it('sends Authorization: DPoP <token> and a proof with ath; answers use_dpop_nonce with one replay', async () => {
    const { authorizationServer, api } = dpopPartner('dpop-resource-nonce', true);
    const proofs = apiProofs();
    const fetch = createFetch({ baseUrl: API, auth: auth({ clientId: 'dpop-resource-nonce' }) });
    const response = await fetch('orders?page=2', { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(authorizationServer.calls.token).toBe(1);
    // The guard checked the bound token, htm, htu and ath of both proofs before it looked at the nonce.
    expect(api.requests.map((r) => [r.outcome, r.reason])).toEqual([
      ['rejected', 'use_dpop_nonce: DPoP proof must carry the server nonce'],
      ['accepted', undefined],
    ]);
    const accessToken = authorizationServer.issued[0]?.accessToken ?? '';
    for (const proof of proofs) {
      expect(proof).toMatchObject({ htm: 'POST', htu: `${API}/orders`, ath: await ath(accessToken) });
    }
    expect(proofs.map((proof) => proof.nonce)).toEqual([undefined, api.dpopNonce]);

    // The nonce is remembered for the origin: the next call carries it at once.
    expect((await fetch('orders', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(api.calls).toMatchObject({ total: 3, accepted: 2, rejected: 1 });
    expect(proofs[2]?.nonce).toBe(api.dpopNonce);
  });

  it('a DPoP invalid_token still refreshes the token and replays once', async () => {
    const { authorizationServer, api } = dpopPartner('dpop-resource-revoked');
    const dpopAuth = auth({ clientId: 'dpop-resource-revoked' });
    await dpopAuth.source.get();
    // The partner revokes the token the client holds.
    authorizationServer.revoke();
    const response = await createFetch({ baseUrl: API, auth: dpopAuth })('orders');
    expect(response.status).toBe(200);
    expect(authorizationServer.calls.token).toBe(2);
    expect(api.requests.map((r) => [r.outcome, r.reason])).toEqual([
      ['rejected', 'invalid_token: the access token was revoked'],
      ['accepted', undefined],
    ]);
  });

  it('sends a Bearer token without a proof when the server did not bind it', async () => {
    authorizationServer({ tokenType: 'Bearer' });
    let headers: Headers | undefined;
    server.use(
      http.get(`${API}/orders`, ({ request }) => {
        headers = request.headers;
        return HttpResponse.json({});
      }),
    );
    await createFetch({ baseUrl: API, auth: auth() })('orders');
    expect(headers?.get('authorization')).toBe('Bearer at-1');
    expect(headers?.has('dpop')).toBe(false);
  });

  it('a fresh proof on every attempt (retries included)', async () => {
    const { api } = dpopPartner('dpop-retry');
    const proofs = apiProofs();
    expect(
      (await createFetch({ baseUrl: API, auth: auth({ clientId: 'dpop-retry' }) })('flaky')).status,
    ).toBe(200);
    // Both proofs passed the guard, which refuses a jti it has seen.
    expect(api.requests.map((r) => [r.outcome, r.status])).toEqual([
      ['accepted', 503],
      ['accepted', 200],
    ]);
    expect(proofs).toHaveLength(2);
    expect(proofs[0]?.jti).not.toBe(proofs[1]?.jti);
  });
});
