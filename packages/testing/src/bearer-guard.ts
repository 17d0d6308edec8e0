import { ConfigError } from '@attache/core';
import { checkNumber } from '@attache/core/internal';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { DPOP_ALGORITHMS, verifyDpopProof } from './dpop-proof.ts';
import { errorResponse, type GuardRejection } from './guard-result.ts';
import type {
  AccessTokenCheck,
  AccessTokenClaims,
  MockAuthorizationServer,
} from './mock-authorization-server.ts';
import { randomId } from './random-id.ts';
import { createReplayCache, type ReplayCache } from './replay-cache.ts';

/** An authorization server that is not a mock (a real one on loopback): tokens are checked against its JWKS. */
export interface RemoteAuthorizationServer {
  readonly issuer: string;
  readonly jwksUri: string;
}

/** DPoP at the partner API (RFC 9449 §7). */
export interface BearerGuardDpopOptions {
  /** Refuse tokens that are not DPoP-bound. Default `false` (bound tokens always need their proof). */
  readonly required?: boolean;
  /** Proofs must carry the API's nonce (`401` `use_dpop_nonce` with `DPoP-Nonce` otherwise). Default `false`. */
  readonly nonce?: boolean;
  /** Seconds a proof's `iat` may be away from the API's clock. Default `60`. */
  readonly window?: number;
  /** Accepted proof algorithms. Default: every asymmetric JWS algorithm. */
  readonly algorithms?: readonly string[];
}

/**
 * The bearer token guard of {@link mockPartnerApi}: `Authorization: Bearer <jwt>` (or `DPoP <jwt>` with a
 * `DPoP` proof for a bound token), verified against the authorization server's JWKS with jose. Refusals
 * follow RFC 6750 §3 and RFC 9449 §7: `401` with `WWW-Authenticate: Bearer` (no error when no token was
 * sent, `error="invalid_token"` otherwise), `403` with `error="insufficient_scope"` and the `scope` needed,
 * `401` with `WWW-Authenticate: DPoP error="invalid_dpop_proof"` or `"use_dpop_nonce"` and `DPoP-Nonce`.
 *
 * @example
 * ```ts
 * const bearer: BearerGuardOptions = {
 *   authorizationServer,
 *   audience: 'https://api.partner.test',
 *   scopes: ['orders:read'],
 * };
 * ```
 */
export interface BearerGuardOptions {
  /** The mock authorization server (revocation honoured), or any server's `{ issuer, jwksUri }`. */
  readonly authorizationServer: MockAuthorizationServer | RemoteAuthorizationServer;
  /** The `aud` the API requires (any one of a list). Default: `aud` not checked. */
  readonly audience?: string | readonly string[];
  /** Scopes every request needs (routes may add their own). Default none. */
  readonly scopes?: readonly string[];
  /** DPoP settings. */
  readonly dpop?: BearerGuardDpopOptions;
  /** Seconds of leeway on `exp`. Default `0`. */
  readonly clockTolerance?: number;
  /** The `realm` of challenges. Default: the API's host. */
  readonly realm?: string;
}

/** A request the bearer guard accepted: the token's claims. */
export interface BearerAccepted {
  readonly ok: true;
  readonly claims: AccessTokenClaims | JWTPayload;
}

/** The bearer guard, ready to check requests. */
export interface BearerGuard {
  check(
    request: Request,
    now: number,
    routeScopes: readonly string[],
  ): Promise<BearerAccepted | GuardRejection>;
  readonly dpopNonce: string | undefined;
  rotateDpopNonce(): string;
  reset(): void;
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

const OWNER = 'mockPartnerApi: guards.bearer.';

function fail(message: string): never {
  throw new ConfigError(`${OWNER}${message}`);
}

function isMock(server: BearerGuardOptions['authorizationServer']): server is MockAuthorizationServer {
  return typeof (server as MockAuthorizationServer).verifyAccessToken === 'function';
}

/** An `auth-param` value: RFC 6750 §3 allows neither `"` nor `\` in `error_description`. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "'")}"`;
}

export function createBearerGuard(options: BearerGuardOptions, defaultRealm: string): BearerGuard {
  if (typeof options !== 'object' || options === null) fail('must be an object');
  const server = options.authorizationServer;
  if (typeof server !== 'object' || server === null) fail('authorizationServer is required');
  if (!isMock(server)) {
    if (
      typeof server.issuer !== 'string' ||
      typeof server.jwksUri !== 'string' ||
      !URL.canParse(server.jwksUri)
    ) {
      fail('authorizationServer must be a mockAuthorizationServer() or { issuer, jwksUri }');
    }
  }
  const audience = options.audience;
  if (
    audience !== undefined &&
    typeof audience !== 'string' &&
    !(Array.isArray(audience) && audience.every((value) => typeof value === 'string'))
  ) {
    fail('audience must be a string or a list of strings');
  }
  const scopes = options.scopes ?? [];
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && scope.length > 0)) {
    fail('scopes must be a list of non-empty strings');
  }
  const clockTolerance = checkNumber(options.clockTolerance ?? 0, `${OWNER}clockTolerance`, {
    min: 'non-negative',
    unit: 'seconds',
  });
  const realm = options.realm ?? defaultRealm;
  const dpop = options.dpop ?? {};
  const algorithms = dpop.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.some((alg) => !DPOP_ALGORITHMS.includes(alg))) {
    fail(`dpop.algorithms must be asymmetric JWS algorithms: ${DPOP_ALGORITHMS.join(', ')}`);
  }
  const window = checkNumber(dpop.window ?? 60, `${OWNER}dpop.window`, { min: 'positive', unit: 'seconds' });
  const remoteKeys = isMock(server) ? undefined : createRemoteJWKSet(new URL(server.jwksUri));
  let nonce: string | undefined = dpop.nonce === true ? randomId() : undefined;
  let replay: ReplayCache = createReplayCache();

  async function verify(token: string, now: number): Promise<AccessTokenCheck> {
    const audienceOption =
      audience === undefined ? {} : { audience: typeof audience === 'string' ? audience : [...audience] };
    if (isMock(server)) return server.verifyAccessToken(token, { now, clockTolerance, ...audienceOption });
    try {
      const { payload } = await jwtVerify(token, remoteKeys as ReturnType<typeof createRemoteJWKSet>, {
        issuer: server.issuer,
        currentDate: new Date(now),
        clockTolerance,
        ...audienceOption,
      });
      return { ok: true, claims: payload as AccessTokenClaims };
    } catch (error) {
      return {
        ok: false,
        description: error instanceof Error ? error.message : 'the access token does not verify',
      };
    }
  }

  function challenge(scheme: 'Bearer' | 'DPoP', params: Readonly<Record<string, string>> = {}): string {
    const parts = [
      `realm=${quoted(realm)}`,
      ...Object.entries(params).map(([name, value]) => `${name}=${quoted(value)}`),
    ];
    if (scheme === 'DPoP') parts.push(`algs=${quoted(algorithms.join(' '))}`);
    return `${scheme} ${parts.join(', ')}`;
  }

  function reject(
    status: number,
    scheme: 'Bearer' | 'DPoP',
    error: string | undefined,
    description: string,
    extra: Readonly<Record<string, string>> = {},
  ): GuardRejection {
    const params: Record<string, string> =
      error === undefined ? {} : { error, error_description: description, ...extra };
    const challenges =
      error === undefined
        ? // No credentials: offer every scheme the API takes (RFC 9449 §7.1).
          [dpop.required === true ? undefined : challenge('Bearer'), challenge('DPoP')]
            .filter(Boolean)
            .join(', ')
        : challenge(scheme, params);
    const headers: Record<string, string> = { 'www-authenticate': challenges };
    if (error === 'use_dpop_nonce' && nonce !== undefined) headers['dpop-nonce'] = nonce;
    return {
      ok: false,
      guard: 'bearer',
      reason: error === undefined ? description : `${error}: ${description}`,
      response: errorResponse(status, error ?? 'unauthorized', description, headers),
    };
  }

  return {
    get dpopNonce() {
      return nonce;
    },
    rotateDpopNonce() {
      nonce = randomId();
      return nonce;
    },
    reset() {
      nonce = dpop.nonce === true ? randomId() : undefined;
      replay = createReplayCache();
    },
    async check(request, now, routeScopes) {
      const header = request.headers.get('authorization');
      const space = header?.indexOf(' ') ?? -1;
      const scheme = header === null || space < 0 ? undefined : header.slice(0, space).toLowerCase();
      const token = header === null || space < 0 ? '' : header.slice(space + 1).trim();
      if ((scheme !== 'bearer' && scheme !== 'dpop') || token === '') {
        return reject(401, 'Bearer', undefined, 'no access token');
      }
      const used = scheme === 'dpop' ? 'DPoP' : 'Bearer';
      if (!TOKEN68.test(token)) return reject(401, used, 'invalid_token', 'malformed access token');
      const verified = await verify(token, now);
      if (!verified.ok) return reject(401, used, 'invalid_token', verified.description);
      const claims = verified.claims;
      const boundTo = claims.cnf?.jkt;
      if (boundTo === undefined) {
        if (used === 'DPoP')
          return reject(401, 'DPoP', 'invalid_token', 'the access token is not DPoP-bound');
        if (dpop.required === true)
          return reject(401, 'DPoP', 'invalid_token', 'a DPoP-bound access token is required');
      } else {
        // RFC 9449 §7.2: a bound token is never accepted as a bearer token.
        if (used === 'Bearer')
          return reject(401, 'DPoP', 'invalid_token', 'a DPoP-bound token must use the DPoP scheme');
        const proof = await verifyDpopProof(request, {
          now,
          window,
          algorithms,
          nonce,
          accessToken: token,
          replay,
        });
        if (!proof.ok) return reject(401, 'DPoP', proof.error, proof.description);
        if (proof.jkt !== boundTo) {
          return reject(
            401,
            'DPoP',
            'invalid_dpop_proof',
            'the DPoP proof key is not the key the token is bound to',
          );
        }
      }
      const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      const needed = [...new Set([...scopes, ...routeScopes])];
      const missing = needed.filter((scope) => !granted.includes(scope));
      if (missing.length > 0) {
        return reject(403, used, 'insufficient_scope', `the access token lacks ${missing.join(' ')}`, {
          scope: needed.join(' '),
        });
      }
      return { ok: true, claims };
    },
  };
}
