/**
 * Authorization server metadata (RFC 8414 §2, OpenID Connect Discovery §3), as {@link discover} returns it.
 * Names are the documents' own; fields this package does not use are kept as they came.
 *
 * @example
 * ```ts
 * const metadata: AuthorizationServerMetadata = await discover('https://auth.partner.example');
 * metadata.token_endpoint; // 'https://auth.partner.example/oauth/token'
 * ```
 */
export interface AuthorizationServerMetadata {
  /** The issuer identifier; always exactly the one discovery was asked for. */
  readonly issuer: string;
  /** Where tokens are requested. */
  readonly token_endpoint?: string;
  /** The server's signing keys (to verify JWT access tokens, for example). */
  readonly jwks_uri?: string;
  readonly scopes_supported?: readonly string[];
  readonly grant_types_supported?: readonly string[];
  readonly token_endpoint_auth_methods_supported?: readonly string[];
  readonly token_endpoint_auth_signing_alg_values_supported?: readonly string[];
  /** RFC 9449: JWS algorithms the server accepts in DPoP proofs. */
  readonly dpop_signing_alg_values_supported?: readonly string[];
  /** RFC 8705 §5: endpoints to use instead when the client authenticates with (or binds tokens to) TLS certificates. */
  readonly mtls_endpoint_aliases?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}
