import { jwtVerify } from 'jose';
import type { BearerAccepted } from '../bearer-guard.ts';
import { verifyDpopProof } from '../dpop-proof.ts';
import type { GuardRejection } from '../guard-result.ts';
import type { AccessTokenCheck, AccessTokenClaims } from '../mock-authorization-server.ts';
import { reject } from './reject.ts';
import { type BearerGuardState, type BearerSettings, isMock } from './settings.ts';

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Verifies the access token: by the mock itself (revocation honoured), or against the remote JWKS. */
async function verifyToken(settings: BearerSettings, token: string, now: number): Promise<AccessTokenCheck> {
  const { server, audience, clockTolerance } = settings;
  const audienceOption =
    audience === undefined ? {} : { audience: typeof audience === 'string' ? audience : [...audience] };
  if (isMock(server)) return server.verifyAccessToken(token, { now, clockTolerance, ...audienceOption });
  try {
    const { payload } = await jwtVerify(
      token,
      settings.remoteKeys as NonNullable<BearerSettings['remoteKeys']>,
      { issuer: server.issuer, currentDate: new Date(now), clockTolerance, ...audienceOption },
    );
    return { ok: true, claims: payload as AccessTokenClaims };
  } catch (error) {
    return {
      ok: false,
      description: error instanceof Error ? error.message : 'the access token does not verify',
    };
  }
}

/** RFC 9449 §7: a bound token needs the DPoP scheme and a proof by its key; an unbound one, the Bearer scheme. */
async function checkBinding(
  state: BearerGuardState,
  request: Request,
  now: number,
  used: 'Bearer' | 'DPoP',
  token: string,
  claims: AccessTokenClaims,
): Promise<GuardRejection | undefined> {
  const boundTo = claims.cnf?.jkt;
  if (boundTo === undefined) {
    if (used === 'DPoP')
      return reject(state, 401, 'DPoP', 'invalid_token', 'the access token is not DPoP-bound');
    if (state.settings.dpopRequired)
      return reject(state, 401, 'DPoP', 'invalid_token', 'a DPoP-bound access token is required');
    return undefined;
  }
  // RFC 9449 §7.2: a bound token is never accepted as a bearer token.
  if (used === 'Bearer')
    return reject(state, 401, 'DPoP', 'invalid_token', 'a DPoP-bound token must use the DPoP scheme');
  const { window, algorithms } = state.settings;
  const proof = await verifyDpopProof(request, {
    now,
    window,
    algorithms,
    nonce: state.nonce,
    accessToken: token,
    replay: state.replay,
  });
  if (!proof.ok) return reject(state, 401, 'DPoP', proof.error, proof.description);
  if (proof.jkt !== boundTo) {
    return reject(
      state,
      401,
      'DPoP',
      'invalid_dpop_proof',
      'the DPoP proof key is not the key the token is bound to',
    );
  }
  return undefined;
}

/** Checks a request's access token: scheme, signature and claims, DPoP binding, then scopes. */
export async function checkBearer(
  state: BearerGuardState,
  request: Request,
  now: number,
  routeScopes: readonly string[],
): Promise<BearerAccepted | GuardRejection> {
  const header = request.headers.get('authorization');
  const space = header?.indexOf(' ') ?? -1;
  const scheme = header === null || space < 0 ? undefined : header.slice(0, space).toLowerCase();
  const token = header === null || space < 0 ? '' : header.slice(space + 1).trim();
  if ((scheme !== 'bearer' && scheme !== 'dpop') || token === '') {
    return reject(state, 401, 'Bearer', undefined, 'no access token');
  }
  const used = scheme === 'dpop' ? 'DPoP' : 'Bearer';
  if (!TOKEN68.test(token)) return reject(state, 401, used, 'invalid_token', 'malformed access token');
  const verified = await verifyToken(state.settings, token, now);
  if (!verified.ok) return reject(state, 401, used, 'invalid_token', verified.description);
  const claims = verified.claims;
  const refused = await checkBinding(state, request, now, used, token, claims);
  if (refused !== undefined) return refused;
  const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const needed = [...new Set([...state.settings.scopes, ...routeScopes])];
  const missing = needed.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    return reject(state, 403, used, 'insufficient_scope', `the access token lacks ${missing.join(' ')}`, {
      scope: needed.join(' '),
    });
  }
  return { ok: true, claims };
}
