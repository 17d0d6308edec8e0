import { ConfigError, createFetch } from '@attache/core';
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
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { type ClientCredentialsAuthOptions, clientCredentialsAuth } from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/token';
const API = 'https://api.partner.example';
const server = useMswServer();
let clients = 0;

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
});

describe('DPoP at the resource', () => {
  it('sends Authorization: DPoP <token> and a proof with ath; answers use_dpop_nonce with one replay', async () => {
    const tokens = authorizationServer();
    const seen: Seen[] = [];
    server.use(
      http.post(`${API}/orders`, async ({ request }) => {
        const entry = await readProof(request);
        seen.push(entry);
        if (entry.proof?.nonce !== 'rs-nonce') {
          return new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"',
              'dpop-nonce': 'rs-nonce',
            },
          });
        }
        return HttpResponse.json({ ok: true });
      }),
    );
    const fetch = createFetch({ baseUrl: API, auth: auth() });
    const response = await fetch('orders?page=2', { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(tokens).toHaveLength(1);
    expect(seen).toHaveLength(2);
    for (const entry of seen) {
      expect(entry.headers.get('authorization')).toBe('DPoP at-1');
      expect(entry.proof).toMatchObject({ htm: 'POST', htu: `${API}/orders`, ath: await ath('at-1') });
    }
    expect(seen.map((s) => s.proof?.nonce)).toEqual([undefined, 'rs-nonce']);

    // The nonce is remembered for the origin: the next call carries it at once.
    expect((await fetch('orders', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(seen[2]?.proof?.nonce).toBe('rs-nonce');
  });

  it('a DPoP invalid_token still refreshes the token and replays once', async () => {
    const tokens = authorizationServer();
    const seen: string[] = [];
    server.use(
      http.get(`${API}/orders`, ({ request }) => {
        const header = request.headers.get('authorization') ?? '';
        seen.push(header);
        return header === 'DPoP at-1'
          ? new HttpResponse(null, {
              status: 401,
              headers: { 'www-authenticate': 'DPoP error="invalid_token"' },
            })
          : HttpResponse.json({ ok: true });
      }),
    );
    const response = await createFetch({ baseUrl: API, auth: auth() })('orders');
    expect(response.status).toBe(200);
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(['DPoP at-1', 'DPoP at-2']);
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
    authorizationServer();
    const proofs: string[] = [];
    server.use(
      http.get(`${API}/flaky`, ({ request }) => {
        proofs.push(request.headers.get('dpop') ?? '');
        return proofs.length === 1
          ? new HttpResponse(null, { status: 503, headers: { 'retry-after': '0' } })
          : HttpResponse.json({});
      }),
    );
    expect((await createFetch({ baseUrl: API, auth: auth() })('flaky')).status).toBe(200);
    expect(proofs).toHaveLength(2);
    expect(decodeJwt(proofs[0] ?? '').jti).not.toBe(decodeJwt(proofs[1] ?? '').jti);
  });
});
