import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors } from 'oidc-provider';

/**
 * A real OpenID-certified authorization server (panva's oidc-provider) on 127.0.0.1 with an ephemeral port,
 * configured for the client credentials grant: RFC 8707 resource indicators issuing JWT (`at+jwt`) access
 * tokens signed ES256, DPoP (with nonces when asked), and every client authentication method.
 */
export interface OidcProviderHarness {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  /** The resource indicators the server knows, and the scopes each accepts. */
  readonly resources: Readonly<Record<string, string>>;
  /** Every request the server received, in order (method and path). */
  readonly requests: { readonly method: string; readonly path: string }[];
  /** How many token requests arrived. */
  tokenRequests(): number;
  /** Makes the token endpoint demand a DPoP nonce (`use_dpop_nonce`). */
  requireDpopNonce(required: boolean): void;
  close(): Promise<void>;
}

/** A client registered with the server (RFC 7591 metadata). */
export type ClientMetadata = Readonly<Record<string, unknown>> & { readonly client_id: string };

export interface OidcProviderOptions {
  readonly clients: readonly ClientMetadata[];
  /** Resource indicator → space-separated scopes it accepts. Default: `https://api.partner.example/` with `orders:read orders:write`. */
  readonly resources?: Readonly<Record<string, string>>;
  /** Access token lifetime in seconds. Default 3600. */
  readonly accessTokenTtl?: number;
  /**
   * Serve RFC 8414 `/.well-known/oauth-authorization-server` (oidc-provider does). `false` answers it with 404,
   * so clients must fall back to `/.well-known/openid-configuration`. Default `true`.
   */
  readonly rfc8414?: boolean;
  /**
   * Serve over https with this certificate, asking every client for a certificate (verified against `ca`,
   * but not required, so discovery works without one), with oidc-provider's mTLS feature on:
   * `tls_client_auth`, `self_signed_tls_client_auth` and certificate-bound access tokens (RFC 8705). The
   * metadata then lists `mtls_endpoint_aliases.token_endpoint` at `https://localhost:<port>/token`.
   */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

function peerCertificate(ctx: unknown): import('node:crypto').X509Certificate | undefined {
  const socket = (ctx as { socket: TLSSocket }).socket;
  return typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
}

/** RFC 8705 §2.1.2: `tls_client_auth_subject_dn` against the certificate's subject (single-RDN subjects here). */
function subjectMatches(ctx: unknown, property: string, expected: string): boolean {
  const certificate = peerCertificate(ctx);
  if (certificate === undefined) return false;
  if (property === 'tls_client_auth_subject_dn')
    return certificate.subject.split('\n').join(',') === expected;
  if (property === 'tls_client_auth_san_dns')
    return (certificate.subjectAltName ?? '').split(', ').includes(`DNS:${expected}`);
  return false;
}

export const DEFAULT_RESOURCE = 'https://api.partner.example/';

export type Stored = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumed?: number;
};

/**
 * oidc-provider's storage contract, in memory: one instance per model name, shared by every provider in the
 * process only through the `store` map each harness owns (so servers do not see each other's artifacts).
 */
export function memoryAdapter(store: Map<string, Stored>) {
  return class MemoryAdapter {
    readonly name: string;
    constructor(name: string) {
      this.name = name;
    }
    key(id: string): string {
      return `${this.name}:${id}`;
    }
    async upsert(id: string, payload: Stored): Promise<void> {
      store.set(this.key(id), payload);
    }
    async find(id: string): Promise<Stored | undefined> {
      return store.get(this.key(id));
    }
    async findByUserCode(userCode: string): Promise<Stored | undefined> {
      return [...store.values()].find((entry) => entry.userCode === userCode);
    }
    async findByUid(uid: string): Promise<Stored | undefined> {
      return [...store.values()].find((entry) => entry.uid === uid);
    }
    async consume(id: string): Promise<void> {
      const entry = store.get(this.key(id));
      if (entry !== undefined) entry.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, entry] of store) if (entry.grantId === grantId) store.delete(key);
    }
  };
}

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

/** Starts oidc-provider on 127.0.0.1:0. Call `close()` when done. */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderHarness> {
  const resources = options.resources ?? { [DEFAULT_RESOURCE]: 'orders:read orders:write' };
  const scopes = new Set(Object.values(resources).flatMap((scope) => scope.split(' ')));
  const requests: { method: string; path: string }[] = [];
  let nonceRequired = false;
  let handler: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    requests.push({ method: request.method ?? '', path });
    if (options.rfc8414 === false && path.startsWith('/.well-known/oauth-authorization-server')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    handler?.(request, response);
  };
  const tls = options.tls;
  const server =
    tls === undefined
      ? createServer(listener)
      : createHttpsServer(
          { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false },
          listener,
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(new Map()),
    clients: options.clients,
    jwks: { keys: [await signingKey('RS256', 'rs-1'), await signingKey('ES256', 'es-1')] },
    scopes: [...scopes],
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? options.accessTokenTtl ?? 3600,
    },
    clientAuthMethods: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      ...(tls === undefined ? [] : ['tls_client_auth', 'self_signed_tls_client_auth']),
    ],
    ...(tls === undefined
      ? {}
      : { discovery: { mtls_endpoint_aliases: { token_endpoint: `https://localhost:${port}/token` } } }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      mTLS: {
        enabled: tls !== undefined,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: peerCertificate,
        certificateAuthorized: (ctx: unknown) => (ctx as { socket: TLSSocket }).socket.authorized === true,
        certificateSubjectMatches: subjectMatches,
      },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => nonceRequired },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf: unknown) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          const scope = resources[indicator];
          // Anything else must be InvalidTarget (invalid_target), not a plain Error (server_error).
          if (scope === undefined) throw new errors.InvalidTarget();
          return {
            scope,
            audience: indicator,
            accessTokenTTL: options.accessTokenTtl ?? 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  handler = provider.callback();

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    resources,
    requests,
    tokenRequests: () => requests.filter((request) => request.path === '/token').length,
    requireDpopNonce(required) {
      nonceRequired = required;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
