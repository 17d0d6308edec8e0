/**
 * The client authentication methods this package implements, by their RFC 7591 / IANA
 * `token_endpoint_auth_method` names.
 */
export type ClientAuthenticationMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none';

/**
 * A token request being built, handed to {@link ClientAuthentication.apply}. The headers and body belong to
 * this one request: a method adds its credentials to them.
 */
export interface ClientAuthenticationRequest {
  /** The client identifier. */
  readonly clientId: string;
  /** The URL the request is sent to (an mTLS alias when one is used). */
  readonly tokenEndpoint: string;
  /** The authorization server's issuer identifier, when known (given or discovered). */
  readonly issuer: string | undefined;
  /** Request headers; `client_secret_basic` sets `Authorization`. */
  readonly headers: Headers;
  /** The form body; the other methods add parameters to it. */
  readonly body: URLSearchParams;
  /** Current time in epoch milliseconds, corrected by what the token endpoint's `Date` taught. */
  now(): number;
}

/**
 * How the client proves its identity at the token endpoint. Build one with `clientSecretBasic`,
 * `clientSecretPost`, `clientSecretJwt`, `privateKeyJwt`, `tlsClientAuth` or `selfSignedTlsClientAuth`: each
 * checks its arguments at once (throwing `ConfigError`) and returns one of these.
 *
 * @example
 * ```ts
 * const auth: ClientAuthentication = clientSecretPost(secret(process.env.CLIENT_SECRET!));
 * ```
 */
export interface ClientAuthentication {
  /** The method's `token_endpoint_auth_method` name. */
  readonly method: ClientAuthenticationMethod;
  /** True for the RFC 8705 methods: the TLS layer (the `transport`) carries the credential. */
  readonly usesMutualTls: boolean;
  /** Adds the client's credentials to the token request. Called for every attempt. */
  apply(request: ClientAuthenticationRequest): Promise<void> | void;
}
