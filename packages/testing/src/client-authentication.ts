import { ASYMMETRIC_JWS_ALGORITHMS } from '@attache/core/internal';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type OAuthFailure, oauthFailure } from './oauth-error.ts';
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

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const KEY_ALGORITHMS = ASYMMETRIC_JWS_ALGORITHMS;

/** Signing algorithms accepted for client assertions (`token_endpoint_auth_signing_alg_values_supported`). */
export const ASSERTION_ALGORITHMS: readonly string[] = [...HMAC_ALGORITHMS, ...KEY_ALGORITHMS];

function failure(
  clientId: string | undefined,
  description: string,
  options: {
    readonly basic?: boolean;
    readonly issuer?: string;
    readonly error?: 'invalid_client' | 'invalid_request';
  } = {},
): ClientAuthResult {
  const error = options.error ?? 'invalid_client';
  const status = error === 'invalid_client' ? 401 : 400;
  // RFC 6749 §5.2: a client that tried the Authorization header gets 401 with a challenge for its scheme.
  const headers =
    options.basic === true && error === 'invalid_client'
      ? { 'www-authenticate': `Basic realm="${options.issuer ?? 'token'}", charset="UTF-8"` }
      : undefined;
  return { ...oauthFailure(status, error, description, headers), clientId };
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

/** RFC 6749 §2.3.1 / Appendix B: `application/x-www-form-urlencoded` decoding of one value. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Decodes `Basic <base64(urlencode(id):urlencode(secret))>`; `undefined` when malformed. */
function decodeBasic(header: string): { readonly id: string; readonly secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  let text: string;
  try {
    const binary = atob(match[1]);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(text.slice(0, colon));
  const secret = formDecode(text.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

function keySetOf(jwks: JSONWebKeySet | JWK | CryptoKey): JWTVerifyGetKey | CryptoKey {
  if (typeof CryptoKey !== 'undefined' && jwks instanceof CryptoKey) return jwks;
  const set = 'keys' in jwks && Array.isArray(jwks.keys) ? (jwks as JSONWebKeySet) : { keys: [jwks as JWK] };
  return createLocalJWKSet(set);
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
  const authorization = request.headers.get('authorization');
  const usesBasic = authorization !== null && /^basic\b/i.test(authorization);
  const usesPost = params.has('client_secret');
  const usesAssertion = params.has('client_assertion') || params.has('client_assertion_type');
  const bodyClientId = params.get('client_id') ?? undefined;
  const used = [usesBasic, usesPost, usesAssertion].filter(Boolean).length;
  if (used > 1) {
    return failure(bodyClientId, 'the client used more than one authentication method', {
      error: 'invalid_request',
    });
  }
  if (used === 0) {
    return failure(bodyClientId, 'client authentication is required for the client_credentials grant');
  }

  let clientId: string;
  let method: ClientAuthMethod;
  let presentedSecret: string | undefined;
  let assertion: string | undefined;
  if (usesBasic) {
    const decoded = decodeBasic(authorization ?? '');
    if (decoded === undefined) {
      return failure(bodyClientId, 'malformed Basic credentials (base64 of form-urlencoded id ":" secret)', {
        basic: true,
        issuer: context.issuer,
      });
    }
    if (bodyClientId !== undefined && bodyClientId !== decoded.id) {
      return failure(bodyClientId, 'client_id in the body differs from the Basic credentials', {
        basic: true,
        issuer: context.issuer,
      });
    }
    clientId = decoded.id;
    presentedSecret = decoded.secret;
    method = 'client_secret_basic';
  } else if (usesPost) {
    if (bodyClientId === undefined)
      return failure(undefined, 'client_secret_post needs client_id in the body', {
        error: 'invalid_request',
      });
    clientId = bodyClientId;
    presentedSecret = params.get('client_secret') ?? '';
    method = 'client_secret_post';
  } else {
    if (params.get('client_assertion_type') !== ASSERTION_TYPE) {
      return failure(bodyClientId, `client_assertion_type must be ${ASSERTION_TYPE}`, {
        error: 'invalid_request',
      });
    }
    assertion = params.get('client_assertion') ?? '';
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      return failure(bodyClientId, 'client_assertion is not a JWT');
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
    if (subject === undefined) return failure(bodyClientId, 'client_assertion has no sub claim');
    if (bodyClientId !== undefined && bodyClientId !== subject) {
      return failure(bodyClientId, 'client_id differs from the client_assertion sub claim');
    }
    clientId = subject;
    const alg = typeof header.alg === 'string' ? header.alg : '';
    if (HMAC_ALGORITHMS.includes(alg)) method = 'client_secret_jwt';
    else if (KEY_ALGORITHMS.includes(alg)) method = 'private_key_jwt';
    else return failure(clientId, `client_assertion alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }

  const client = context.clients.get(clientId);
  if (client === undefined)
    return failure(clientId, `unknown client ${JSON.stringify(clientId)}`, {
      basic: usesBasic,
      issuer: context.issuer,
    });
  const allowed = allowedMethods(client);
  if (!allowed.includes(method)) {
    return failure(
      clientId,
      `client is registered for ${allowed.join(' or ') || 'no method'}, not ${method}`,
      {
        basic: usesBasic,
        issuer: context.issuer,
      },
    );
  }

  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    if (presentedSecret !== client.clientSecret) {
      return failure(clientId, 'client secret does not match', { basic: usesBasic, issuer: context.issuer });
    }
    return { ok: true, client, method };
  }

  const key =
    method === 'client_secret_jwt'
      ? new TextEncoder().encode(client.clientSecret ?? '')
      : keySetOf(client.jwks as JSONWebKeySet | JWK | CryptoKey);
  let exp: number;
  let jti: string;
  try {
    const verifyOptions = {
      issuer: clientId,
      subject: clientId,
      audience: [context.tokenEndpoint, context.issuer],
      requiredClaims: ['exp', 'jti'],
      algorithms: [...(method === 'client_secret_jwt' ? HMAC_ALGORITHMS : KEY_ALGORITHMS)],
      currentDate: new Date(context.now),
      clockTolerance: context.clockTolerance,
    };
    const { payload } =
      key instanceof Uint8Array || (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey)
        ? await jwtVerify(assertion ?? '', key, verifyOptions)
        : await jwtVerify(assertion ?? '', key, verifyOptions);
    exp = payload.exp as number;
    jti = String(payload.jti);
  } catch (error) {
    return failure(
      clientId,
      `client_assertion rejected: ${error instanceof Error ? error.message : 'does not verify'}`,
    );
  }
  if (!context.replay.use(`${clientId}\n${jti}`, (exp + context.clockTolerance) * 1000, context.now)) {
    return failure(clientId, 'client_assertion jti was already used');
  }
  return { ok: true, client, method };
}
