import type { JSONWebKeySet } from 'jose';
import type { RequestHandler } from 'msw';
import { positiveSeconds, resolveConfig } from './authorization-server/config.ts';
import { discoveryHandlers, metadataDocument } from './authorization-server/discovery.ts';
import { type IssuedToken, type IssueTokenOptions, issueToken } from './authorization-server/issue-token.ts';
import { jwksHandler, publicJwks } from './authorization-server/jwks.ts';
import type { MockAuthorizationServerOptions } from './authorization-server/options.ts';
import { createSigningKey, createState, resetState } from './authorization-server/state.ts';
import { tokenEndpointHandler } from './authorization-server/token-endpoint.ts';
import {
  type AccessTokenCheck,
  revoke,
  type VerifyAccessTokenOptions,
  verifyAccessToken,
} from './authorization-server/verify-access-token.ts';
import type { Faults } from './faults.ts';
import { liveCounts } from './live-counts.ts';
import type { TokenRejection } from './oauth-error.ts';
import { randomId } from './random-id.ts';

export type { IssuedToken, IssueTokenOptions } from './authorization-server/issue-token.ts';
export type { MockAuthorizationServerOptions, MockDpopOptions } from './authorization-server/options.ts';
export type {
  AccessTokenCheck,
  AccessTokenClaims,
  VerifyAccessTokenOptions,
} from './authorization-server/verify-access-token.ts';

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
  const config = resolveConfig(options);
  const state = createState(config);
  const metadata = metadataDocument(config);
  const { counts } = state;
  return {
    handlers: [
      ...discoveryHandlers(config, state, metadata),
      jwksHandler(config, state),
      tokenEndpointHandler(config, state),
    ],
    issuer: config.issuer,
    tokenEndpoint: config.tokenEndpoint,
    jwksUri: config.jwksUri,
    metadataUrl: config.metadataUrl,
    openidConfigurationUrl: config.openidConfigurationUrl,
    metadata,
    calls: liveCounts(counts, { discovery: () => counts.oauthMetadata + counts.openidConfiguration }),
    issued: state.issued,
    rejected: state.rejected,
    faults: config.faults,
    get dpopNonce() {
      return state.dpopNonce;
    },
    jwks: () => publicJwks(state),
    issueToken: (issueOptions = {}) => issueToken(config, state, issueOptions),
    verifyAccessToken: (accessToken, verifyOptions = {}) =>
      verifyAccessToken(config, state, accessToken, verifyOptions),
    revoke: (accessToken) => revoke(state, accessToken),
    setLifetime(accessTokenLifetime, nextRefreshIn) {
      state.lifetime = positiveSeconds(accessTokenLifetime, 'setLifetime: accessTokenLifetime');
      state.refreshIn =
        nextRefreshIn === undefined ? undefined : positiveSeconds(nextRefreshIn, 'setLifetime: refreshIn');
    },
    rotateDpopNonce() {
      state.dpopNonce = randomId();
      return state.dpopNonce;
    },
    async rotateSigningKey(rotateOptions = {}) {
      const previous = await state.keys;
      const next = await createSigningKey();
      state.keys = Promise.resolve(rotateOptions.keepPrevious === true ? [next, ...previous] : [next]);
    },
    reset: () => resetState(state, config),
  };
}
