import { ConfigError } from '@attache/core';
import { checkNumber } from '@attache/core/internal';
import { createRemoteJWKSet } from 'jose';
import type { BearerGuardOptions, RemoteAuthorizationServer } from '../bearer-guard.ts';
import { DPOP_ALGORITHMS } from '../dpop-proof.ts';
import type { MockAuthorizationServer } from '../mock-authorization-server.ts';
import { randomId } from '../random-id.ts';
import { createReplayCache, type ReplayCache } from '../replay-cache.ts';

/** {@link BearerGuardOptions} checked, with the defaults filled in. */
export interface BearerSettings {
  readonly server: MockAuthorizationServer | RemoteAuthorizationServer;
  /** Keys fetched from a remote server's JWKS; `undefined` for the mock, which verifies its own tokens. */
  readonly remoteKeys: ReturnType<typeof createRemoteJWKSet> | undefined;
  readonly audience: string | readonly string[] | undefined;
  readonly scopes: readonly string[];
  readonly clockTolerance: number;
  readonly realm: string;
  readonly dpopRequired: boolean;
  readonly dpopNonce: boolean;
  readonly algorithms: readonly string[];
  /** Seconds a proof's `iat` may be away from the API's clock. */
  readonly window: number;
}

/** A bearer guard: its settings, the DPoP nonce it currently asks for, and the proof `jti`s it has seen. */
export interface BearerGuardState {
  readonly settings: BearerSettings;
  nonce: string | undefined;
  replay: ReplayCache;
}

const OWNER = 'mockPartnerApi: guards.bearer.';

function fail(message: string): never {
  throw new ConfigError(`${OWNER}${message}`);
}

export function isMock(server: BearerGuardOptions['authorizationServer']): server is MockAuthorizationServer {
  return typeof (server as MockAuthorizationServer).verifyAccessToken === 'function';
}

function checkServer(server: BearerGuardOptions['authorizationServer']): void {
  if (typeof server !== 'object' || server === null) fail('authorizationServer is required');
  if (isMock(server)) return;
  if (
    typeof server.issuer !== 'string' ||
    typeof server.jwksUri !== 'string' ||
    !URL.canParse(server.jwksUri)
  ) {
    fail('authorizationServer must be a mockAuthorizationServer() or { issuer, jwksUri }');
  }
}

/** @throws {ConfigError} naming the first option that is not what it should be. */
export function resolveBearerSettings(options: BearerGuardOptions, defaultRealm: string): BearerSettings {
  if (typeof options !== 'object' || options === null) fail('must be an object');
  const server = options.authorizationServer;
  checkServer(server);
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
  const dpop = options.dpop ?? {};
  const algorithms = dpop.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.some((alg) => !DPOP_ALGORITHMS.includes(alg))) {
    fail(`dpop.algorithms must be asymmetric JWS algorithms: ${DPOP_ALGORITHMS.join(', ')}`);
  }
  const window = checkNumber(dpop.window ?? 60, `${OWNER}dpop.window`, { min: 'positive', unit: 'seconds' });
  return {
    server,
    remoteKeys: isMock(server) ? undefined : createRemoteJWKSet(new URL(server.jwksUri)),
    audience,
    scopes,
    clockTolerance,
    realm: options.realm ?? defaultRealm,
    dpopRequired: dpop.required === true,
    dpopNonce: dpop.nonce === true,
    algorithms,
    window,
  };
}

/** A fresh guard state: a new nonce when nonces are on, no proof seen. */
export function freshBearerState(settings: BearerSettings): BearerGuardState {
  return {
    settings,
    nonce: settings.dpopNonce ? randomId() : undefined,
    replay: createReplayCache(),
  };
}
