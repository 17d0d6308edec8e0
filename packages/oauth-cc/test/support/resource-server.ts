import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  base64url,
  calculateJwkThumbprint,
  createRemoteJWKSet,
  EmbeddedJWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';

/** What the resource server saw in one request. */
export interface ResourceRequest {
  readonly method: string;
  readonly path: string;
  readonly scheme: string;
  readonly token: string;
  /** The decoded DPoP proof, when one came. */
  readonly proof?: { readonly header: Record<string, unknown>; readonly claims: JWTPayload };
  readonly status: number;
}

export interface ResourceServer {
  readonly origin: string;
  readonly requests: ResourceRequest[];
  close(): Promise<void>;
}

export interface ResourceServerOptions {
  readonly issuer: string;
  readonly jwksUri: string;
  /** The `aud` access tokens must carry. */
  readonly audience: string;
  /** Demand a DPoP nonce: proofs without the current one get `use_dpop_nonce`. */
  readonly requireNonce?: boolean;
}

/**
 * A partner API on 127.0.0.1 that checks tokens as RFC 9068 and RFC 9449 say: the JWT access token against
 * the authorization server's JWKS (issuer, audience, `typ: at+jwt`), and for DPoP the proof's signature, `typ`,
 * `htm`, `htu`, `iat`, unique `jti`, `ath` and the token's `cnf.jkt`, plus a server nonce when asked.
 */
export async function startResourceServer(options: ResourceServerOptions): Promise<ResourceServer> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri));
  const requests: ResourceRequest[] = [];
  const seenJti = new Set<string>();
  let nonceCount = 0;
  let currentNonce = `nonce-${++nonceCount}`;
  let origin = '';

  async function check(
    request: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; entry: ResourceRequest }> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const [scheme = '', token = ''] = (request.headers.authorization ?? '').split(' ');
    const base = { method: request.method ?? '', path, scheme, token };
    const deny = (
      error: string,
      extra: Record<string, string> = {},
      entry: Partial<ResourceRequest> = {},
    ) => ({
      status: 401,
      headers: { 'www-authenticate': `${scheme === 'DPoP' ? 'DPoP' : 'Bearer'} error="${error}"`, ...extra },
      entry: { ...base, ...entry, status: 401 },
    });
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
      }));
    } catch {
      return deny('invalid_token');
    }
    const cnf = claims.cnf as { jkt?: string } | undefined;
    if (scheme === 'Bearer') {
      return cnf?.jkt === undefined
        ? { status: 200, headers: {}, entry: { ...base, status: 200 } }
        : deny('invalid_token');
    }
    if (scheme !== 'DPoP') return deny('invalid_request');
    const proofHeader = request.headers.dpop;
    if (typeof proofHeader !== 'string') return deny('invalid_dpop_proof');
    let proof: ResourceRequest['proof'];
    try {
      const verified = await jwtVerify(proofHeader, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256', 'EdDSA', 'PS256', 'RS256'],
      });
      proof = { header: verified.protectedHeader as Record<string, unknown>, claims: verified.payload };
    } catch {
      return deny('invalid_dpop_proof');
    }
    const p = proof.claims;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
    const expectedJkt = await calculateJwkThumbprint(
      proof.header.jwk as Parameters<typeof calculateJwkThumbprint>[0],
    );
    const fresh = typeof p.iat === 'number' && Math.abs(p.iat - Date.now() / 1000) < 60;
    if (
      p.htm !== request.method ||
      p.htu !== `${origin}${path}` ||
      !fresh ||
      typeof p.jti !== 'string' ||
      seenJti.has(p.jti) ||
      p.ath !== base64url.encode(digest) ||
      cnf?.jkt !== expectedJkt
    ) {
      return deny('invalid_dpop_proof', {}, { proof });
    }
    seenJti.add(p.jti);
    if (options.requireNonce === true && p.nonce !== currentNonce) {
      currentNonce = `nonce-${++nonceCount}`;
      return deny('use_dpop_nonce', { 'dpop-nonce': currentNonce }, { proof });
    }
    return { status: 200, headers: {}, entry: { ...base, proof, status: 200 } };
  }

  const server = createServer((request, response) => {
    check(request).then(
      ({ status, headers, entry }) => {
        requests.push(entry);
        const body = status === 200 ? { orders: [{ id: 1 }] } : { error: headers['www-authenticate'] };
        response
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify(body));
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
