import type { JSONWebKeySet, JWK } from 'jose';
import { verifyAssertion } from './client-authentication/assertion.ts';
import { failure } from './client-authentication/failure.ts';
import { presentedCredentials } from './client-authentication/presented.ts';
import type { OAuthFailure } from './oauth-error.ts';
import type { ReplayCache } from './replay-cache.ts';
/** The client authentication methods the mock token endpoint checks (RFC 6749 §2.3, RFC 7523 §2.2). */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt';

/**
 * A client registered at the mock authorization server.
 *
 * @example
 * ```ts
 * const clients: MockClient[] = [
 *   { clientId: 'robot', clientSecret: 's3cr3t', scopes: ['orders:read'] },
 *   { clientId: 'signer', jwks: { keys: [publicJwk] }, tokenEndpointAuthMethod: 'private_key_jwt' },
 * ];
 * ```
 */
export interface MockClient {
  /** The client id. */
  readonly clientId: string;
  /** The shared secret, for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`. */
  readonly clientSecret?: string;
  /** The client's public key(s), for `private_key_jwt`: a JWKS, one JWK, or a public `CryptoKey`. */
  readonly jwks?: JSONWebKeySet | JWK | CryptoKey;
  /**
   * The one method this client must use (RFC 7591 `token_endpoint_auth_method`); any other is refused with
   * `invalid_client`. Default: every method its credentials allow (a secret: the three secret methods; keys:
   * `private_key_jwt`).
   */
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /**
   * Scopes the client may ask for; asking for another answers `invalid_scope`. A request without `scope`
   * is granted all of them. Default: any scope, and none when none is asked for.
   */
  readonly scopes?: readonly string[];
  /** `resource` / `audience` values the client may ask for; another answers `invalid_target`. Default: any. */
  readonly audiences?: readonly string[];
  /** Token requests without a DPoP proof are refused (RFC 9449 §5.2 `dpop_bound_access_tokens`). Default `false`. */
  readonly dpopBoundAccessTokens?: boolean;
  /** Grant types the client may use; without `client_credentials` it gets `unauthorized_client`. Default `['client_credentials']`. */
  readonly grantTypes?: readonly string[];
  /** Extra claims put in every access token issued to this client (a tenant, roles). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The outcome of checking a token request's client authentication. */
export type ClientAuthResult =
  | { readonly ok: true; readonly client: MockClient; readonly method: ClientAuthMethod }
  | (OAuthFailure & { readonly clientId: string | undefined });

/** What client authentication is checked against. */
export interface ClientAuthContext {
  readonly clients: ReadonlyMap<string, MockClient>;
  readonly issuer: string;
  readonly tokenEndpoint: string;
  /** The server's time, epoch ms. */
  readonly now: number;
  /** Seconds of leeway on an assertion's `exp`, `nbf` and `iat`. */
  readonly clockTolerance: number;
  /** `jti`s of assertions already used. */
  readonly replay: ReplayCache;
}

/**
 * Authenticates the client of a token request by whichever one method it used. More than one method is
 * `invalid_request` (RFC 6749 §2.3); anything else wrong is `invalid_client` (401). Assertions are
 * verified with jose: `iss` = `sub` = client id, `aud` the token endpoint or the issuer, `exp` required,
 * `jti` required and single use.
 */
export async function authenticateClient(
  request: Request,
  params: URLSearchParams,
  context: ClientAuthContext,
): Promise<ClientAuthResult> {
  const presented = presentedCredentials(request, params, context.issuer);
  if (!presented.ok) return presented;
  const { clientId, method, basic } = presented;
  const client = context.clients.get(clientId);
  if (client === undefined) {
    return failure(clientId, `unknown client ${JSON.stringify(clientId)}`, { basic, issuer: context.issuer });
  }
  const allowed = allowedMethods(client);
  if (!allowed.includes(method)) {
    return failure(
      clientId,
      `client is registered for ${allowed.join(' or ') || 'no method'}, not ${method}`,
      {
        basic,
        issuer: context.issuer,
      },
    );
  }
  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    if (presented.secret !== client.clientSecret) {
      return failure(clientId, 'client secret does not match', { basic, issuer: context.issuer });
    }
    return { ok: true, client, method };
  }
  return verifyAssertion(clientId, client, method, presented.assertion ?? '', context);
}

/** The methods a client's credentials (or its registration) allow. */
function allowedMethods(client: MockClient): readonly ClientAuthMethod[] {
  if (client.tokenEndpointAuthMethod !== undefined) return [client.tokenEndpointAuthMethod];
  const methods: ClientAuthMethod[] = [];
  if (client.clientSecret !== undefined)
    methods.push('client_secret_basic', 'client_secret_post', 'client_secret_jwt');
  if (client.jwks !== undefined) methods.push('private_key_jwt');
  return methods;
}
