import type { JWTPayload } from 'jose';
import { checkBearer } from './bearer-guard/check.ts';
import { freshBearerState, resolveBearerSettings } from './bearer-guard/settings.ts';
import type { GuardRejection } from './guard-result.ts';
import type { AccessTokenClaims, MockAuthorizationServer } from './mock-authorization-server.ts';
import { randomId } from './random-id.ts';

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

/** @throws {ConfigError} when an option is not what it should be. */
export function createBearerGuard(options: BearerGuardOptions, defaultRealm: string): BearerGuard {
  const state = freshBearerState(resolveBearerSettings(options, defaultRealm));
  return {
    get dpopNonce() {
      return state.nonce;
    },
    rotateDpopNonce() {
      state.nonce = randomId();
      return state.nonce;
    },
    reset() {
      const fresh = freshBearerState(state.settings);
      state.nonce = fresh.nonce;
      state.replay = fresh.replay;
    },
    check: (request, now, routeScopes) => checkBearer(state, request, now, routeScopes),
  };
}
