import { createLocalJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import type { ServerConfig } from './config.ts';
import { publicJwks } from './jwks.ts';
import type { ServerState } from './state.ts';

/** Options of {@link MockAuthorizationServer.verifyAccessToken}. */
export interface VerifyAccessTokenOptions {
  /** Required `aud` value(s): any one must be in the token. Default: `aud` not checked. */
  readonly audience?: string | readonly string[];
  /** The verifier's time, epoch ms. Default: the server's clock. */
  readonly now?: number;
  /** Seconds of leeway on `exp`. Default `0`. */
  readonly clockTolerance?: number;
}

/** The claims of an access token the mock issued (RFC 9068). */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  readonly scope?: string;
  readonly cnf?: { readonly jkt: string };
}

/** The outcome of {@link MockAuthorizationServer.verifyAccessToken}. */
export type AccessTokenCheck =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly description: string };

/** Checks a token as a resource server would; resolves with the outcome, never rejects. */
export async function verifyAccessToken(
  config: ServerConfig,
  state: ServerState,
  accessToken: string,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenCheck> {
  try {
    const audience = options.audience;
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(await publicJwks(state)), {
      issuer: config.issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      currentDate: new Date(options.now ?? config.faults.now()),
      clockTolerance: options.clockTolerance ?? 0,
      ...(audience === undefined
        ? {}
        : { audience: typeof audience === 'string' ? audience : [...audience] }),
    });
    if (state.revoked.has(String(payload.jti)))
      return { ok: false, description: 'the access token was revoked' };
    return { ok: true, claims: payload as AccessTokenClaims };
  } catch (error) {
    return {
      ok: false,
      description: error instanceof Error ? error.message : 'the access token does not verify',
    };
  }
}

/** Revokes one token by its `jti`, or every token issued so far. */
export function revoke(state: ServerState, accessToken: string | undefined): void {
  if (accessToken === undefined) {
    for (const token of state.issued) state.revoked.add(token.jti);
    return;
  }
  try {
    const { jti } = decodeJwt(accessToken);
    if (typeof jti === 'string') state.revoked.add(jti);
  } catch {
    // Not one of ours: nothing to revoke.
  }
}
