import { ConfigError } from '@attache/core';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { http, type RequestHandler } from 'msw';
import {
  ASSERTION_ALGORITHMS,
  authenticateClient,
  type ClientAuthMethod,
  type MockClient,
} from './client-authentication.ts';
import { DPOP_ALGORITHMS, verifyDpopProof } from './dpop-proof.ts';
import { checkFaults, createFaults, type Faults, serveWithFaults, withoutQuery } from './faults.ts';
import { type OAuthFailure, oauthErrorResponse, oauthFailure, type TokenRejection } from './oauth-error.ts';
import { randomId } from './random-id.ts';
import { createReplayCache } from './replay-cache.ts';

/** DPoP settings of the mock authorization server (RFC 9449). */
export interface MockDpopOptions {
  /** Every token request must carry a DPoP proof (per client: `dpopBoundAccessTokens`). Default `false`. */
  readonly required?: boolean;
  /**
   * Proofs must carry the server's nonce: a proof without it (or with a stale one) is answered
   * `400 use_dpop_nonce` with a `DPoP-Nonce` header (RFC 9449 §8). Default `false`.
   */
  readonly nonce?: boolean;
  /** Accepted proof algorithms. Default: every asymmetric JWS algorithm (ES256 … EdDSA). */
  readonly algorithms?: readonly string[];
  /** Seconds a proof's `iat` may be away from the server's clock, either way. Default `60`. */
  readonly window?: number;
}

/**
 * Options of {@link mockAuthorizationServer}. Times are seconds, as OAuth speaks them.
 *
 * @example
 * ```ts
 * const options: MockAuthorizationServerOptions = {
 *   issuer: 'https://auth.partner.test',
 *   clients: [{ clientId: 'robot', clientSecret: 's3cr3t', scopes: ['orders:read'] }],
 *   accessTokenLifetime: 300,
 *   refreshIn: 240,
 * };
 * ```
 */
export interface MockAuthorizationServerOptions {
  /** The issuer identifier: an absolute http(s) URL without query or fragment. Endpoints live under it. */
  readonly issuer: string;
  /** Registered clients. */
  readonly clients: readonly MockClient[];
  /** `expires_in` of issued tokens (and their `exp`), in seconds. Default `3600`. Change it with `setLifetime`. */
  readonly accessTokenLifetime?: number;
  /** `refresh_in` sent with issued tokens, in seconds. Default: not sent. */
  readonly refreshIn?: number;
  /**
   * How `expires_in` is sent: a JSON number (default), a numeric string (as some servers do) or not at all
   * (clients must then read the JWT `exp`).
   */
  readonly expiresIn?: 'number' | 'string' | 'omit';
  /** `aud` of tokens whose request named no `resource` or `audience`. Default: no `aud`. */
  readonly audience?: string | readonly string[];
  /** Scopes the server knows (`scopes_supported`); asking for another answers `invalid_scope`. Default: any. */
  readonly scopes?: readonly string[];
  /** Token endpoint URL. Default `${issuer}/token`. */
  readonly tokenEndpoint?: string;
  /** JWKS URL. Default `${issuer}/jwks`. */
  readonly jwksUri?: string;
  /**
   * Which metadata documents are served: RFC 8414 `oauth-authorization-server`, OpenID `openid-configuration`,
   * both (default) or none. A document not served answers 404.
   */
  readonly discovery?: 'both' | 'oauth' | 'openid' | 'none';
  /** Extra members of the metadata documents, or overrides (e.g. `mtls_endpoint_aliases`, a wrong `issuer`). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** DPoP settings. Proofs are always checked when sent; these make them required or nonce-bound. */
  readonly dpop?: MockDpopOptions;
  /** Seconds of leeway on client assertions' `exp`, `nbf` and `iat`. Default `30`. */
  readonly clockTolerance?: number;
  /** Time source, epoch ms. Default `Date.now`. Not with `faults` (whose clock is then used). */
  readonly now?: () => number;
  /** Fault injection to use, e.g. shared with a partner API mock. Default: a new one (`server.faults`). */
  readonly faults?: Faults;
}

/** An access token the mock issued, as recorded for assertions. Times are epoch ms on the server's clock. */
export interface IssuedToken {
  /** The JWT. A test token: fine to print. */
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly clientId: string;
  readonly subject: string;
  /** The granted scope, space-separated, when any was granted. */
  readonly scope: string | undefined;
  readonly audience: readonly string[];
  readonly jti: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The DPoP key thumbprint the token is bound to (`cnf.jkt`). */
  readonly jkt: string | undefined;
  /** How the client authenticated; `undefined` for tokens minted with `issueToken`. */
  readonly authMethod: ClientAuthMethod | undefined;
  /** The token request's parameters, without `client_secret` and `client_assertion`. */
  readonly params: Readonly<Record<string, readonly string[]>>;
}

/** Options of {@link MockAuthorizationServer.issueToken}. */
export interface IssueTokenOptions {
  /** `client_id` claim. Default: the first registered client, or `test-client`. */
  readonly clientId?: string;
  /** `sub` claim. Default: the client id. */
  readonly subject?: string;
  /** Space-separated `scope` claim. Default: none. */
  readonly scope?: string;
  /** `aud` claim. Default: the server's `audience`. */
  readonly audience?: string | readonly string[];
  /** Seconds until `exp`; zero or negative makes an expired token. Default: the current lifetime. */
  readonly expiresIn?: number;
  /** Binds the token to a DPoP key: its JWK SHA-256 thumbprint. */
  readonly jkt?: string;
  /** More claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

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

/** Requests each endpoint received, faulted ones included. Live values. */
export interface AuthorizationServerCalls {
  /** Both metadata documents together. */
  readonly discovery: number;
  /** `/.well-known/oauth-authorization-server` (RFC 8414). */
  readonly oauthMetadata: number;
  /** `/.well-known/openid-configuration`. */
  readonly openidConfiguration: number;
  readonly jwks: number;
  readonly token: number;
}

/**
 * A mock OAuth 2.0 authorization server for msw: metadata documents, a JWKS and a client credentials
 * token endpoint that checks every client authentication method and DPoP proofs, issuing ES256 JWT access
 * tokens. See {@link mockAuthorizationServer}.
 */
export interface MockAuthorizationServer {
  /** The msw handlers: `setupServer(...server.handlers)` or `worker.use(...server.handlers)`. */
  readonly handlers: readonly RequestHandler[];
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  /** RFC 8414 metadata URL (`/.well-known/oauth-authorization-server`, path inserted after it). */
  readonly metadataUrl: string;
  /** OpenID configuration URL (`${issuer}/.well-known/openid-configuration`). */
  readonly openidConfigurationUrl: string;
  /** The metadata document served. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Requests per endpoint. */
  readonly calls: AuthorizationServerCalls;
  /** Every token issued, oldest first. */
  readonly issued: readonly IssuedToken[];
  /** Every token request refused, oldest first. */
  readonly rejected: readonly TokenRejection[];
  /** Fault injection for every endpoint of this server (narrow with `match: server.tokenEndpoint`). */
  readonly faults: Faults;
  /** The DPoP nonce proofs must carry, when `dpop.nonce` is on. */
  readonly dpopNonce: string | undefined;
  /** The public signing keys, as served at `jwksUri`. */
  jwks(): Promise<JSONWebKeySet>;
  /** Mints a token directly, without a token request (expired ones, odd scopes, other audiences). */
  issueToken(options?: IssueTokenOptions): Promise<IssuedToken>;
  /**
   * Verifies an access token against this server's JWKS with jose: signature, `typ` `at+jwt`, `iss`,
   * `exp`, the audience asked for, and revocation. Resolves with the outcome, never rejects.
   */
  verifyAccessToken(token: string, options?: VerifyAccessTokenOptions): Promise<AccessTokenCheck>;
  /** Revokes one token, or every token issued so far: partner API guards then answer `invalid_token`. */
  revoke(token?: string): void;
  /**
   * Sets `expires_in` (seconds) of tokens issued from now on, and their `refresh_in` (not sent when
   * omitted).
   *
   * @throws {ConfigError} when a value is not a positive number.
   */
  setLifetime(accessTokenLifetime: number, refreshIn?: number): void;
  /** Replaces the DPoP nonce (turning nonces on if they were off) and returns the new one. */
  rotateDpopNonce(): string;
  /**
   * Replaces the signing key. With `keepPrevious` (default `false`) the old key stays in the JWKS, so
   * tokens already issued stay valid; without it they fail verification, as after a partner's key rollover.
   */
  rotateSigningKey(options?: { readonly keepPrevious?: boolean }): Promise<void>;
  /** Forgets calls, tokens, rejections, revocations and used `jti`s, restores the lifetimes and resets the faults. */
  reset(): void;
}

const TOKEN_TYPES = ['Bearer', 'DPoP'] as const;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const SINGLE_PARAMS = [
  'grant_type',
  'scope',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
];

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

function fail(message: string): never {
  throw new ConfigError(`mockAuthorizationServer: ${message}`);
}

function httpUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) fail(`${name} must be an absolute URL`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${name} must be an http(s) URL`);
  if (url.search !== '' || url.hash !== '') fail(`${name} must have no query or fragment`);
  return value;
}

function positiveSeconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    fail(`${name} must be a positive number of seconds`);
  return value;
}

function stringList(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    fail(`${name} must be a list of non-empty strings`);
  }
  return list as readonly string[];
}

function checkClients(value: unknown): Map<string, MockClient> {
  if (!Array.isArray(value)) fail('clients must be an array of clients');
  const clients = new Map<string, MockClient>();
  for (const [index, client] of (value as unknown[]).entries()) {
    const where = `clients[${index}]`;
    if (typeof client !== 'object' || client === null) fail(`${where} must be an object`);
    const c = client as MockClient;
    if (typeof c.clientId !== 'string' || c.clientId.length === 0)
      fail(`${where}.clientId must be a non-empty string`);
    if (clients.has(c.clientId)) fail(`${where}.clientId ${JSON.stringify(c.clientId)} is registered twice`);
    if (c.clientSecret !== undefined && (typeof c.clientSecret !== 'string' || c.clientSecret.length === 0)) {
      fail(`${where}.clientSecret must be a non-empty string`);
    }
    if (c.jwks !== undefined && (typeof c.jwks !== 'object' || c.jwks === null)) {
      fail(`${where}.jwks must be a JWKS, a JWK or a public CryptoKey`);
    }
    if (c.clientSecret === undefined && c.jwks === undefined) fail(`${where} needs a clientSecret or jwks`);
    const method = c.tokenEndpointAuthMethod;
    if (method !== undefined) {
      const needsKeys = method === 'private_key_jwt';
      if (
        !['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'].includes(
          method,
        )
      ) {
        fail(`${where}.tokenEndpointAuthMethod ${JSON.stringify(method)} is not supported`);
      }
      if (needsKeys ? c.jwks === undefined : c.clientSecret === undefined) {
        fail(`${where}.tokenEndpointAuthMethod ${method} needs ${needsKeys ? 'jwks' : 'clientSecret'}`);
      }
    }
    stringList(c.scopes, `${where}.scopes`);
    stringList(c.audiences, `${where}.audiences`);
    stringList(c.grantTypes, `${where}.grantTypes`);
    clients.set(c.clientId, c);
  }
  return clients;
}

/** RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path. */
function oauthMetadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/**
 * Creates a mock OAuth 2.0 authorization server for msw (`msw/node` or `msw/browser`).
 *
 * - `GET` RFC 8414 and OpenID metadata, `GET` the JWKS (one ES256 key generated per server).
 * - `POST` token endpoint, `grant_type=client_credentials` only, checking the client's one authentication
 *   method: `client_secret_basic` (id and secret form-urldecoded after base64, RFC 6749 §2.3.1),
 *   `client_secret_post`, `client_secret_jwt` (HS256/384/512 with the secret) and `private_key_jwt` (the
 *   client's public keys); assertions need `iss` = `sub` = client id, `aud` the token endpoint or issuer,
 *   `exp`, and a `jti` never used before. DPoP proofs (RFC 9449) are verified when sent, and bind the token
 *   (`token_type: DPoP`, `cnf.jkt`).
 * - Errors are RFC 6749 §5.2 bodies: `invalid_client` (401, with `WWW-Authenticate: Basic` after Basic),
 *   `invalid_request`, `unsupported_grant_type`, `unauthorized_client`, `invalid_scope`, `invalid_target`,
 *   `invalid_dpop_proof`, `use_dpop_nonce`.
 *
 * All checks use jose; tokens are JWTs (`typ: at+jwt`) with `iss`, `sub`, `aud`, `scope`, `exp`, `iat`,
 * `jti`, `client_id` and, when bound, `cnf.jkt`. The server's clock is its `faults` clock, so
 * `faults.skewDate()` moves its `Date` header and the times it issues and checks.
 *
 * @throws {ConfigError} for invalid options, naming the field.
 * @example
 * ```ts
 * const authorizationServer = mockAuthorizationServer({
 *   issuer: 'https://auth.partner.test',
 *   clients: [{ clientId: 'robot', clientSecret: 's3cr3t' }],
 * });
 * const server = setupServer(...authorizationServer.handlers);
 * ```
 */
export function mockAuthorizationServer(options: MockAuthorizationServerOptions): MockAuthorizationServer {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const issuer = httpUrl(options.issuer, 'issuer');
  const base = issuer.replace(/\/$/, '');
  const tokenEndpoint = httpUrl(options.tokenEndpoint ?? `${base}/token`, 'tokenEndpoint');
  const jwksUri = httpUrl(options.jwksUri ?? `${base}/jwks`, 'jwksUri');
  const clients = checkClients(options.clients);
  const initialLifetime = positiveSeconds(options.accessTokenLifetime ?? 3600, 'accessTokenLifetime');
  const initialRefreshIn =
    options.refreshIn === undefined ? undefined : positiveSeconds(options.refreshIn, 'refreshIn');
  const expiresInFormat = options.expiresIn ?? 'number';
  if (!['number', 'string', 'omit'].includes(expiresInFormat))
    fail("expiresIn must be 'number', 'string' or 'omit'");
  const defaultAudience = stringList(options.audience, 'audience') ?? [];
  const supportedScopes = stringList(options.scopes, 'scopes');
  const discovery = options.discovery ?? 'both';
  if (!['both', 'oauth', 'openid', 'none'].includes(discovery))
    fail("discovery must be 'both', 'oauth', 'openid' or 'none'");
  if (options.metadata !== undefined && (typeof options.metadata !== 'object' || options.metadata === null)) {
    fail('metadata must be an object');
  }
  const dpop = options.dpop ?? {};
  const dpopAlgorithms = stringList(dpop.algorithms, 'dpop.algorithms') ?? DPOP_ALGORITHMS;
  if (dpopAlgorithms.some((alg) => !DPOP_ALGORITHMS.includes(alg))) {
    fail(`dpop.algorithms must be asymmetric JWS algorithms: ${DPOP_ALGORITHMS.join(', ')}`);
  }
  const dpopWindow = positiveSeconds(dpop.window ?? 60, 'dpop.window');
  const clockTolerance = options.clockTolerance ?? 30;
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    fail('clockTolerance must be a non-negative number of seconds');
  }
  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function');
  if (options.now !== undefined && options.faults !== undefined) {
    fail('pass now to createFaults() when you pass faults: the server uses the faults clock');
  }
  const faults =
    options.faults === undefined
      ? createFaults(options.now === undefined ? {} : { now: options.now })
      : checkFaults(options.faults, 'mockAuthorizationServer');

  const metadata: Readonly<Record<string, unknown>> = {
    issuer,
    token_endpoint: tokenEndpoint,
    jwks_uri: jwksUri,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
    ],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    dpop_signing_alg_values_supported: [...dpopAlgorithms],
    ...(supportedScopes === undefined ? {} : { scopes_supported: [...supportedScopes] }),
    ...options.metadata,
  };
  const metadataUrl = oauthMetadataUrl(issuer);
  const openidConfigurationUrl = `${base}/.well-known/openid-configuration`;

  let keys: Promise<SigningKey[]> = createSigningKey().then((key) => [key]);
  let lifetime = initialLifetime;
  let refreshIn = initialRefreshIn;
  let dpopNonce: string | undefined = dpop.nonce === true ? randomId() : undefined;
  const counts = { oauthMetadata: 0, openidConfiguration: 0, jwks: 0, token: 0 };
  const issued: IssuedToken[] = [];
  const rejected: TokenRejection[] = [];
  const revoked = new Set<string>();
  const assertionReplay = createReplayCache();
  const proofReplay = createReplayCache();

  async function jwks(): Promise<JSONWebKeySet> {
    return { keys: (await keys).map((key) => key.publicJwk) };
  }

  async function mint(
    claims: {
      readonly clientId: string;
      readonly subject: string;
      readonly scope: string | undefined;
      readonly audience: readonly string[];
      readonly expiresIn: number;
      readonly jkt: string | undefined;
      readonly extra: Readonly<Record<string, unknown>> | undefined;
    },
    authMethod: ClientAuthMethod | undefined,
    params: Readonly<Record<string, readonly string[]>>,
  ): Promise<IssuedToken> {
    const [key] = await keys;
    if (key === undefined) fail('no signing key');
    const now = faults.now();
    const iat = Math.floor(now / 1000);
    const exp = iat + Math.round(claims.expiresIn);
    const jti = randomId();
    const jwt = new SignJWT({
      ...claims.extra,
      client_id: claims.clientId,
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      ...(claims.jkt === undefined ? {} : { cnf: { jkt: claims.jkt } }),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .setIssuer(issuer)
      .setSubject(claims.subject)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti);
    if (claims.audience.length > 0) {
      jwt.setAudience(claims.audience.length === 1 ? (claims.audience[0] as string) : [...claims.audience]);
    }
    const token: IssuedToken = {
      accessToken: await jwt.sign(key.privateKey),
      tokenType: TOKEN_TYPES[claims.jkt === undefined ? 0 : 1],
      clientId: claims.clientId,
      subject: claims.subject,
      scope: claims.scope,
      audience: claims.audience,
      jti,
      issuedAt: iat * 1000,
      expiresAt: exp * 1000,
      jkt: claims.jkt,
      authMethod,
      params,
    };
    issued.push(token);
    return token;
  }

  function refuse(failure: OAuthFailure, clientId: string | undefined): Response {
    rejected.push({
      status: failure.status,
      error: failure.error,
      description: failure.description,
      clientId,
    });
    return oauthErrorResponse(failure);
  }

  /** Grants the scope asked for, within what the server and the client allow. */
  function grantScope(requested: string | null, client: MockClient): string | undefined | OAuthFailure {
    if (requested === null) return client.scopes?.length ? client.scopes.join(' ') : undefined;
    const scopes = requested.split(' ');
    if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) {
      return oauthFailure(400, 'invalid_scope', 'scope must be scope tokens separated by single spaces');
    }
    for (const scope of scopes) {
      if (supportedScopes !== undefined && !supportedScopes.includes(scope)) {
        return oauthFailure(400, 'invalid_scope', `unknown scope ${JSON.stringify(scope)}`);
      }
      if (client.scopes !== undefined && !client.scopes.includes(scope)) {
        return oauthFailure(400, 'invalid_scope', `client may not ask for scope ${JSON.stringify(scope)}`);
      }
    }
    return scopes.join(' ');
  }

  /** The audience asked for with `resource` (RFC 8707) and `audience`, within what the client may ask. */
  function grantAudience(params: URLSearchParams, client: MockClient): readonly string[] | OAuthFailure {
    const resources = params.getAll('resource');
    for (const resource of resources) {
      if (!URL.canParse(resource) || new URL(resource).hash !== '') {
        return oauthFailure(400, 'invalid_target', 'resource must be an absolute URI without a fragment');
      }
    }
    const requested = [...resources, ...params.getAll('audience')];
    for (const value of requested) {
      if (client.audiences !== undefined && !client.audiences.includes(value)) {
        return oauthFailure(400, 'invalid_target', `client may not ask for ${JSON.stringify(value)}`);
      }
    }
    return requested.length > 0 ? [...new Set(requested)] : defaultAudience;
  }

  async function token(request: Request): Promise<Response> {
    if (request.method !== 'POST') {
      const failure = oauthFailure(405, 'invalid_request', 'the token endpoint takes POST', {
        allow: 'POST',
      });
      return refuse(failure, undefined);
    }
    const type = request.headers.get('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
      return refuse(
        oauthFailure(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded'),
        undefined,
      );
    }
    const params = new URLSearchParams(await request.clone().text());
    const claimedClientId = params.get('client_id') ?? undefined;
    for (const name of SINGLE_PARAMS) {
      if (params.getAll(name).length > 1) {
        return refuse(oauthFailure(400, 'invalid_request', `${name} must not be repeated`), claimedClientId);
      }
    }
    const grantType = params.get('grant_type');
    if (grantType === null)
      return refuse(oauthFailure(400, 'invalid_request', 'grant_type is missing'), claimedClientId);
    if (grantType !== 'client_credentials') {
      return refuse(
        oauthFailure(400, 'unsupported_grant_type', 'only client_credentials is supported'),
        claimedClientId,
      );
    }

    // The proof is checked before client authentication, so a nonce round trip does not spend an assertion.
    let jkt: string | undefined;
    if (request.headers.has('dpop')) {
      const proof = await verifyDpopProof(request, {
        now: faults.now(),
        window: dpopWindow,
        algorithms: dpopAlgorithms,
        nonce: dpopNonce,
        replay: proofReplay,
      });
      if (!proof.ok) {
        const headers =
          proof.error === 'use_dpop_nonce' && dpopNonce !== undefined
            ? { 'dpop-nonce': dpopNonce }
            : undefined;
        return refuse(oauthFailure(400, proof.error, proof.description, headers), claimedClientId);
      }
      jkt = proof.jkt;
    }

    const auth = await authenticateClient(request, params, {
      clients,
      issuer,
      tokenEndpoint,
      now: faults.now(),
      clockTolerance,
      replay: assertionReplay,
    });
    if (!auth.ok) return refuse(auth, auth.clientId);
    const { client, method } = auth;

    if (!(client.grantTypes ?? ['client_credentials']).includes('client_credentials')) {
      return refuse(
        oauthFailure(400, 'unauthorized_client', 'client may not use the client_credentials grant'),
        client.clientId,
      );
    }
    if (jkt === undefined && (dpop.required === true || client.dpopBoundAccessTokens === true)) {
      const headers = dpopNonce === undefined ? undefined : { 'dpop-nonce': dpopNonce };
      return refuse(
        oauthFailure(400, 'invalid_dpop_proof', 'a DPoP proof is required', headers),
        client.clientId,
      );
    }
    const scope = grantScope(params.get('scope'), client);
    if (typeof scope === 'object') return refuse(scope, client.clientId);
    const audience = grantAudience(params, client);
    if ('ok' in audience) return refuse(audience, client.clientId);

    const recorded: Record<string, string[]> = {};
    for (const [name, value] of params) {
      if (name === 'client_secret' || name === 'client_assertion') continue;
      const values = recorded[name] ?? [];
      values.push(value);
      recorded[name] = values;
    }
    const minted = await mint(
      {
        clientId: client.clientId,
        subject: client.clientId,
        scope,
        audience,
        expiresIn: lifetime,
        jkt,
        extra: client.claims,
      },
      method,
      recorded,
    );
    const body: Record<string, unknown> = { access_token: minted.accessToken, token_type: minted.tokenType };
    if (expiresInFormat !== 'omit')
      body.expires_in = expiresInFormat === 'string' ? String(lifetime) : lifetime;
    if (refreshIn !== undefined) body.refresh_in = refreshIn;
    if (scope !== undefined) body.scope = scope;
    return Response.json(body, { headers: { 'cache-control': 'no-store', pragma: 'no-cache' } });
  }

  const served = (kind: 'oauth' | 'openid'): boolean => discovery === 'both' || discovery === kind;
  const notFound = (): Response => Response.json({ error: 'not_found' }, { status: 404 });
  const at =
    (url: string) =>
    ({ request }: { request: Request }) =>
      withoutQuery(request.url) === url;

  const handlers: RequestHandler[] = [
    http.get(at(metadataUrl), ({ request }) => {
      counts.oauthMetadata++;
      return serveWithFaults(faults, request, () => (served('oauth') ? Response.json(metadata) : notFound()));
    }),
    http.get(at(openidConfigurationUrl), ({ request }) => {
      counts.openidConfiguration++;
      return serveWithFaults(faults, request, () =>
        served('openid') ? Response.json(metadata) : notFound(),
      );
    }),
    http.get(at(jwksUri), ({ request }) => {
      counts.jwks++;
      return serveWithFaults(faults, request, async () => Response.json(await jwks()));
    }),
    http.all(at(tokenEndpoint), ({ request }) => {
      counts.token++;
      return serveWithFaults(faults, request, () => token(request));
    }),
  ];

  const firstClientId = clients.keys().next().value ?? 'test-client';

  return {
    handlers,
    issuer,
    tokenEndpoint,
    jwksUri,
    metadataUrl,
    openidConfigurationUrl,
    metadata,
    calls: {
      get discovery() {
        return counts.oauthMetadata + counts.openidConfiguration;
      },
      get oauthMetadata() {
        return counts.oauthMetadata;
      },
      get openidConfiguration() {
        return counts.openidConfiguration;
      },
      get jwks() {
        return counts.jwks;
      },
      get token() {
        return counts.token;
      },
    },
    issued,
    rejected,
    faults,
    get dpopNonce() {
      return dpopNonce;
    },
    jwks,
    async issueToken(issueOptions = {}) {
      const clientId = issueOptions.clientId ?? firstClientId;
      const expiresIn = issueOptions.expiresIn ?? lifetime;
      if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
        fail('issueToken: expiresIn must be a number of seconds');
      return mint(
        {
          clientId,
          subject: issueOptions.subject ?? clientId,
          scope: issueOptions.scope,
          audience: stringList(issueOptions.audience, 'issueToken: audience') ?? defaultAudience,
          expiresIn,
          jkt: issueOptions.jkt,
          extra: issueOptions.claims,
        },
        undefined,
        {},
      );
    },
    async verifyAccessToken(accessToken, verifyOptions = {}) {
      try {
        const audience = verifyOptions.audience;
        const { payload } = await jwtVerify(accessToken, createLocalJWKSet(await jwks()), {
          issuer,
          typ: 'at+jwt',
          algorithms: ['ES256'],
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
          currentDate: new Date(verifyOptions.now ?? faults.now()),
          clockTolerance: verifyOptions.clockTolerance ?? 0,
          ...(audience === undefined
            ? {}
            : { audience: typeof audience === 'string' ? audience : [...audience] }),
        });
        if (revoked.has(String(payload.jti)))
          return { ok: false, description: 'the access token was revoked' };
        return { ok: true, claims: payload as AccessTokenClaims };
      } catch (error) {
        return {
          ok: false,
          description: error instanceof Error ? error.message : 'the access token does not verify',
        };
      }
    },
    revoke(accessToken) {
      if (accessToken === undefined) {
        for (const token of issued) revoked.add(token.jti);
        return;
      }
      try {
        const { jti } = decodeJwt(accessToken);
        if (typeof jti === 'string') revoked.add(jti);
      } catch {
        // Not one of ours: nothing to revoke.
      }
    },
    setLifetime(accessTokenLifetime, nextRefreshIn) {
      lifetime = positiveSeconds(accessTokenLifetime, 'setLifetime: accessTokenLifetime');
      refreshIn =
        nextRefreshIn === undefined ? undefined : positiveSeconds(nextRefreshIn, 'setLifetime: refreshIn');
    },
    rotateDpopNonce() {
      dpopNonce = randomId();
      return dpopNonce;
    },
    async rotateSigningKey(rotateOptions = {}) {
      const previous = await keys;
      const next = await createSigningKey();
      keys = Promise.resolve(rotateOptions.keepPrevious === true ? [next, ...previous] : [next]);
    },
    reset() {
      counts.oauthMetadata = 0;
      counts.openidConfiguration = 0;
      counts.jwks = 0;
      counts.token = 0;
      issued.length = 0;
      rejected.length = 0;
      revoked.clear();
      assertionReplay.clear();
      proofReplay.clear();
      lifetime = initialLifetime;
      refreshIn = initialRefreshIn;
      dpopNonce = dpop.nonce === true ? randomId() : undefined;
      faults.reset();
    },
  };
}
