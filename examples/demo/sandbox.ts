import { randomUUID } from 'node:crypto';
import { secret } from '@attache/core';
import { createHmacVerifier } from '@attache/hmac';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { createPki } from '../../packages/mtls-node/test/fixtures/pki.ts';
import {
  type OidcProviderHarness,
  startOidcProvider,
} from '../../packages/oauth-cc/test/support/oidc-provider.ts';
import { type LoopbackServer, serve } from '../support/serve.ts';

/**
 * A partner sandbox on loopback:
 * - a token server: oidc-provider issuing JWT access tokens (client credentials grant);
 * - a partner API on `node:http` whose path prefix says which scheme it checks: `/v1/` (Basic, an API key
 *   or a robot-account token from `POST /login`), `/oauth/` (a bearer JWT from the token server),
 *   `/signed/` (an RFC 9421 HMAC signature, checked by `createHmacVerifier`), `/hybrid/` (API key, bearer JWT
 *   and a signature covering both), `/tenants/<name>/` (a connected tenant's access token);
 * - a token endpoint for connected tenants, `POST /tenants/token`: the refresh_token grant with single-use
 *   refresh tokens (each use returns a new one; a used one is refused);
 * - an mTLS endpoint on `node:https` with certificates generated for the run (`openssl`).
 * It injects transient 503s and revokes tokens on demand.
 */
export interface Sandbox {
  readonly origin: string;
  /** The mTLS endpoint, `https://127.0.0.1:<port>`, and the PEM material to reach it. */
  readonly mtls: {
    readonly origin: string;
    readonly ca: string;
    readonly cert: string;
    readonly key: string;
  };
  /** The token server's issuer and the resource (audience) its tokens are for. */
  readonly oauth: { readonly issuer: string; readonly resource: string };
  readonly counters: {
    logins: number;
    apiCalls: number;
    rejected: number;
    injected503: number;
    /** Nonces of accepted signatures: every attempt, retries included, signs with a new one. */
    readonly nonces: Set<string>;
    /** Client certificate CNs seen on the mTLS endpoint. */
    readonly mtlsClients: string[];
    /** Refresh tokens rotated by the tenants' token endpoint (each used once). */
    rotations: number;
  };
  /** Connects a tenant: the refresh token an authorization-code flow would have given the platform. */
  connectTenant(name: string): string;
  /** Token requests the token server received. */
  tokenRequests(): number;
  /** Revokes every robot-account token and every JWT seen so far: the next call with one gets 401 invalid_token. */
  revokeTokens(): void;
  /** The API key the sandbox accepts now. */
  readonly apiKey: () => string;
  /** Rotates the accepted API key: the old one is refused from now on. */
  rotateApiKey(): string;
  /** The next `n` authenticated API calls answer 503 with `retry-after-ms` (after their credentials passed). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export const SANDBOX_USER = { username: 'robot-42', password: 'correct horse battery staple' };
export const SANDBOX_CLIENTS = {
  oauth: { clientId: 'demo-orders', clientSecret: 'demo-orders-secret-4f0c9b27' },
  hybrid: { clientId: 'demo-payments', clientSecret: 'demo-payments-secret-a81d3e56' },
};
export const SANDBOX_HMAC = { keyId: 'demo-payments', secret: 'demo-hmac-secret-6be2d94f10' };
export const SANDBOX_PLATFORM = { clientId: 'demo-platform', clientSecret: 'demo-platform-secret-3d7a' };

const invalidToken = (): Response =>
  Response.json(
    { error: 'invalid_token' },
    { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
  );

export async function startSandbox(): Promise<Sandbox> {
  const robotTokens = new Set<string>();
  const seenJtis = new Set<string>();
  const revokedJtis = new Set<string>();
  const counters: Sandbox['counters'] = {
    logins: 0,
    apiCalls: 0,
    rejected: 0,
    injected503: 0,
    nonces: new Set(),
    mtlsClients: [],
    rotations: 0,
  };
  const tenantRefresh = new Map<string, string>(); // live refresh token → tenant
  const tenantAccess = new Map<string, string>(); // access token → tenant
  const platformBasic = `Basic ${btoa(`${SANDBOX_PLATFORM.clientId}:${SANDBOX_PLATFORM.clientSecret}`)}`;
  const issueRefresh = (tenant: string): string => {
    const token = `rt_${randomUUID()}`;
    tenantRefresh.set(token, tenant);
    return token;
  };
  let failures = 0;
  let apiKeyVersion = 1;
  const currentKey = (): string => `demo_key_v${apiKeyVersion}`;
  const basic = `Basic ${Buffer.from(`${SANDBOX_USER.username}:${SANDBOX_USER.password}`).toString('base64')}`;
  const verifier = createHmacVerifier({ keys: { [SANDBOX_HMAC.keyId]: secret(SANDBOX_HMAC.secret) } });
  const hybridVerifier = createHmacVerifier({
    keys: { [SANDBOX_HMAC.keyId]: secret(SANDBOX_HMAC.secret) },
    requiredComponents: ['@method', '@authority', '@path', '@query', 'authorization', 'x-api-key'],
  });
  let verifyJwt: ((token: string) => Promise<JWTPayload>) | undefined;

  const bearerJwtOk = async (request: Request): Promise<boolean> => {
    const header = request.headers.get('authorization') ?? '';
    if (!header.startsWith('Bearer ') || verifyJwt === undefined) return false;
    try {
      const { jti = '' } = await verifyJwt(header.slice('Bearer '.length));
      if (revokedJtis.has(jti)) return false;
      seenJtis.add(jti);
      return true;
    } catch {
      return false;
    }
  };

  // Runs once the scheme's credentials passed: the injected 503s, then the answer.
  const answer = (path: string): Response => {
    if (failures > 0) {
      failures--;
      counters.injected503++;
      return Response.json({ error: 'busy' }, { status: 503, headers: { 'retry-after-ms': '20' } });
    }
    return Response.json({ orders: [{ id: 'o-1', total: 42 }], path });
  };

  const api = await serve(async (request) => {
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && pathname === '/login') {
      counters.logins++;
      const { username, password } = (await request.json().catch(() => ({}))) as {
        username?: string;
        password?: string;
      };
      if (username !== SANDBOX_USER.username || password !== SANDBOX_USER.password) {
        return Response.json({ error: 'invalid_credentials' }, { status: 401 });
      }
      const token = `tok_${randomUUID()}`;
      robotTokens.add(token);
      return Response.json({ token, expires_in: 600 });
    }
    if (request.method === 'POST' && pathname === '/tenants/token') {
      const form = new URLSearchParams(await request.text());
      const presented = form.get('refresh_token') ?? '';
      const tenant = tenantRefresh.get(presented);
      if (request.headers.get('authorization') !== platformBasic || tenant === undefined) {
        return Response.json({ error: 'invalid_grant' }, { status: 400 });
      }
      tenantRefresh.delete(presented);
      counters.rotations++;
      const accessToken = `tat_${randomUUID()}`;
      tenantAccess.set(accessToken, tenant);
      return Response.json({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 600,
        refresh_token: issueRefresh(tenant),
      });
    }
    const scheme = pathname.split('/')[1];
    if (scheme === 'tenants') {
      counters.apiCalls++;
      const owner = tenantAccess.get((request.headers.get('authorization') ?? '').slice(7));
      if (owner === undefined || owner !== pathname.split('/')[2]) {
        counters.rejected++;
        return invalidToken();
      }
      return answer(pathname);
    }
    if (scheme !== 'v1' && scheme !== 'oauth' && scheme !== 'signed' && scheme !== 'hybrid') {
      return Response.json({ error: 'not_found' }, { status: 404 });
    }
    counters.apiCalls++;
    const auth = request.headers.get('authorization') ?? '';
    const keyOk = request.headers.get('x-api-key') === currentKey();
    let ok: boolean;
    if (scheme === 'v1') {
      ok = keyOk || auth === basic || (auth.startsWith('Bearer ') && robotTokens.has(auth.slice(7)));
    } else if (scheme === 'oauth') {
      ok = await bearerJwtOk(request);
    } else {
      const signature = await (scheme === 'signed' ? verifier : hybridVerifier).verify(request);
      ok = signature.ok && (scheme === 'signed' || (keyOk && (await bearerJwtOk(request))));
      if (signature.ok) counters.nonces.add(signature.nonce ?? '');
    }
    if (!ok) {
      counters.rejected++;
      return invalidToken();
    }
    return answer(pathname);
  });

  const resource = `${api.origin}/`;
  let as: OidcProviderHarness | undefined;
  let mtls: LoopbackServer | undefined;
  const pki = await createPki();
  try {
    const client = (id: string, clientSecret: string) => ({
      client_id: id,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'orders:read',
    });
    as = await startOidcProvider({
      resources: { [resource]: 'orders:read' },
      clients: [
        client(SANDBOX_CLIENTS.oauth.clientId, SANDBOX_CLIENTS.oauth.clientSecret),
        client(SANDBOX_CLIENTS.hybrid.clientId, SANDBOX_CLIENTS.hybrid.clientSecret),
      ],
    });
    const jwks = createRemoteJWKSet(new URL(as.jwksUri));
    const issuer = as.issuer;
    verifyJwt = async (token) => (await jwtVerify(token, jwks, { issuer, audience: resource })).payload;

    const ca = await pki.ca('Sandbox Partner CA');
    const serverCert = await pki.server(ca);
    const clientCert = await pki.client(ca, { cn: 'demo-client' });
    mtls = await serve(
      (request, peer) => {
        counters.mtlsClients.push(peer.clientCertificateCn ?? '');
        return Response.json({ client: peer.clientCertificateCn, path: new URL(request.url).pathname });
      },
      { tls: { cert: serverCert.cert, key: serverCert.key, ca: ca.cert } },
    );
    const tokenServer = as;
    const mtlsServer = mtls;
    return {
      origin: api.origin,
      mtls: { origin: mtls.origin, ca: ca.cert, cert: clientCert.cert, key: clientCert.key },
      oauth: { issuer: as.issuer, resource },
      counters,
      tokenRequests: () => tokenServer.tokenRequests(),
      connectTenant: issueRefresh,
      revokeTokens: () => {
        robotTokens.clear();
        tenantAccess.clear();
        for (const jti of seenJtis) revokedJtis.add(jti);
      },
      apiKey: currentKey,
      rotateApiKey: () => {
        apiKeyVersion++;
        return currentKey();
      },
      failNext: (n) => {
        failures = n;
      },
      close: async () => {
        await Promise.all([api.close(), tokenServer.close(), mtlsServer.close()]);
        await pki.cleanup();
      },
    };
  } catch (error) {
    await Promise.all([api.close(), as?.close(), mtls?.close()]);
    await pki.cleanup();
    throw error;
  }
}
