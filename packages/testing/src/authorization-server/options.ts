import type { MockClient } from '../client-authentication.ts';
import type { Faults } from '../faults.ts';

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
