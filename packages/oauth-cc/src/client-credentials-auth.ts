import {
  type AttacheEventListener,
  type AuthContext,
  type Authenticator,
  ConfigError,
  createTokenSource,
  type FetchToken,
  globalFetchTransport,
  type RequestDraft,
  type SecretInput,
  type TokenSource,
  type TokenSourceOptions,
  type Transport,
  tokenAuth,
  tokenCacheKey,
} from '@attache/core';
import type { ClientAuthentication } from './client-authentication.ts';
import { clientSecretBasic } from './client-secret-basic.ts';
import { discover } from './discover.ts';
import { DiscoveryError } from './discovery-error.ts';
import { createDpopProver, type DpopOptions, type DpopProver } from './dpop.ts';
import { checkSecureUrl, parseSecureUrl } from './endpoint-url.ts';
import { resolveTokenRetry, type TokenEndpointRetryOptions } from './token-endpoint-retry.ts';
import { requestToken, type TokenRequestTarget } from './token-request.ts';

/** Token source settings `clientCredentialsAuth` passes on to `createTokenSource`. */
export type ClientCredentialsTokenSourceOptions = Omit<TokenSourceOptions, 'now' | 'onEvent'>;

/**
 * Options of {@link clientCredentialsAuth}.
 *
 * @example
 * ```ts
 * const options: ClientCredentialsAuthOptions = {
 *   issuer: 'https://auth.partner.example',
 *   clientId: 'billing-service',
 *   clientSecret: secret(process.env.PARTNER_CLIENT_SECRET!),
 *   scope: ['orders:read', 'orders:write'],
 *   resource: 'https://api.partner.example',
 * };
 * ```
 */
export interface ClientCredentialsAuthOptions {
  /** The client identifier registered with the authorization server. */
  readonly clientId: string;
  /**
   * Shorthand for `clientAuthentication: clientSecretBasic(clientSecret)`. Give exactly one of the two.
   */
  readonly clientSecret?: SecretInput;
  /**
   * How the client authenticates: `clientSecretBasic(…)`, `clientSecretPost(…)`, `clientSecretJwt(…)`,
   * `privateKeyJwt(…)`, `tlsClientAuth()` or `selfSignedTlsClientAuth()`.
   */
  readonly clientAuthentication?: ClientAuthentication;
  /**
   * The authorization server's issuer identifier. Without `tokenEndpoint`, the token endpoint is found by
   * discovery (RFC 8414, then OpenID Connect). Also the `aud` of client assertions with `audience: 'issuer'`.
   */
  readonly issuer?: string;
  /** The token endpoint URL. Skips discovery. One of `issuer` and `tokenEndpoint` is required. */
  readonly tokenEndpoint?: string;
  /** Scopes to request: a space-separated string or a list. Default: none (the server's default). */
  readonly scope?: string | readonly string[];
  /** `audience` parameter(s), for servers that use it (Auth0, Okta, Keycloak token exchange). */
  readonly audience?: string | readonly string[];
  /** RFC 8707 resource indicator(s): absolute URIs without fragment, each sent as its own `resource`. */
  readonly resource?: string | readonly string[];
  /**
   * More form parameters for the token request (a list repeats the parameter). They cannot replace the
   * ones above or the client authentication's. They are part of the token cache key (values hashed).
   */
  readonly extraParams?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * DPoP (RFC 9449): `true` generates an ES256 key pair; `{ key }` uses yours. Token requests and resource
   * requests then carry proofs and tokens are bound to the key. Default `false`.
   */
  readonly dpop?: boolean | DpopOptions;
  /**
   * Sends token and discovery requests. Default: the global `fetch`. Pass `mtlsTransport()` from
   * `@attache/mtls-node` for `tls_client_auth` / `self_signed_tls_client_auth`.
   */
  readonly transport?: Transport;
  /**
   * Use discovery's `mtls_endpoint_aliases.token_endpoint` (RFC 8705 §5). Default: `true` when a `transport`
   * is given, else `false`.
   */
  readonly mtlsEndpointAliases?: boolean;
  /** Token endpoint retries, a number of retries, or `false`. See {@link TokenEndpointRetryOptions}. */
  readonly retry?: TokenEndpointRetryOptions | number | false;
  /**
   * Token source settings (`expirySkew`, `store`, `fetchTimeout`, `key`, …): see `createTokenSource`.
   * Default `key`: the token endpoint (or issuer), client id, scope, audience, resource, DPoP key and extra
   * parameters, so equal clients in the process share one token.
   */
  readonly tokenSource?: ClientCredentialsTokenSourceOptions;
  /** Receives token events (`token:acquired`, `token:refresh-failed`) and token endpoint retries. */
  readonly onEvent?: AttacheEventListener;
  /** Time source in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** The authenticator's name in events. Default `oauth-cc`. */
  readonly name?: string;
}

/** The authenticator {@link clientCredentialsAuth} returns, with its token source. */
export interface ClientCredentialsAuth extends Authenticator {
  /** The token source: `source.get()` gives the current token (for another client, or a test). */
  readonly source: TokenSource;
}

const RESERVED = new Set([
  'grant_type',
  'scope',
  'audience',
  'resource',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
]);

function list(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (items === undefined || items.some((item) => typeof item !== 'string' || item.length === 0)) {
    throw new ConfigError(`clientCredentialsAuth: ${field} must be a non-empty string or a list of them`);
  }
  return items as string[];
}

function scopes(value: unknown): string[] {
  const items = list(value, 'scope');
  const split =
    typeof value === 'string' ? items.flatMap((item) => item.split(/\s+/)).filter(Boolean) : items;
  for (const scope of split) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new ConfigError(
        `clientCredentialsAuth: scope ${JSON.stringify(scope)} is not a valid scope token`,
      );
    }
  }
  return split;
}

function resources(value: unknown): string[] {
  const items = list(value, 'resource');
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError(
        `clientCredentialsAuth: resource ${JSON.stringify(item)} must be an absolute URI (RFC 8707)`,
      );
    }
    if (url.hash !== '' || item.includes('#')) {
      throw new ConfigError(
        `clientCredentialsAuth: resource ${JSON.stringify(item)} must not have a fragment (RFC 8707)`,
      );
    }
  }
  return items;
}

function extraParams(value: unknown): [string, string][] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      'clientCredentialsAuth: extraParams must be an object of strings or lists of strings',
    );
  }
  const params: [string, string][] = [];
  for (const [name, raw] of Object.entries(value)) {
    if (RESERVED.has(name)) {
      throw new ConfigError(
        `clientCredentialsAuth: extraParams.${name} is set by the client itself; use its own option`,
      );
    }
    const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as unknown[]) : undefined;
    if (values === undefined || values.some((item) => typeof item !== 'string')) {
      throw new ConfigError(
        `clientCredentialsAuth: extraParams.${name} must be a string or a list of strings`,
      );
    }
    for (const item of values as string[]) params.push([name, item]);
  }
  return params;
}

function checkClientAuthentication(value: unknown): ClientAuthentication {
  const candidate = value as ClientAuthentication | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.apply !== 'function' ||
    typeof candidate.method !== 'string'
  ) {
    throw new ConfigError(
      'clientCredentialsAuth: clientAuthentication must come from clientSecretBasic, clientSecretPost, clientSecretJwt, privateKeyJwt, tlsClientAuth or selfSignedTlsClientAuth',
    );
  }
  return candidate;
}

/** FNV-1a, 32-bit: a stable discriminator for the cache key that does not print the values themselves. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * An authenticator for the OAuth 2.0 client credentials grant (RFC 6749 §4.4). It obtains tokens from the
 * token endpoint (found by discovery from `issuer`, or given as `tokenEndpoint`) with the client
 * authentication method you choose, keeps them in a token source (one request shared by every concurrent
 * call, refreshed ahead of expiry, back-off on failure) and sends `Authorization: <token_type> <token>`. On
 * a 401 it drops the rejected token, gets a new one and the pipeline replays the call once. With `dpop`, each
 * request also carries a DPoP proof and server nonces are handled at the token endpoint and the resource.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @throws {TokenAcquisitionError} from calls, when no token can be obtained: `error`, `errorDescription`,
 *   `errorUri` and `status` come from the token endpoint's RFC 6749 §5.2 answer (`DiscoveryError` and
 *   `TokenResponseError` are subclasses).
 * @example
 * ```ts
 * const partner = createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: clientCredentialsAuth({
 *     issuer: 'https://auth.partner.example',
 *     clientId: 'billing-service',
 *     clientSecret: secret(process.env.PARTNER_CLIENT_SECRET!),
 *     scope: 'orders:read',
 *   }),
 * });
 * ```
 */
export function clientCredentialsAuth(options: ClientCredentialsAuthOptions): ClientCredentialsAuth {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('clientCredentialsAuth: options must be an object');
  }
  const clientId = options.clientId;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new ConfigError('clientCredentialsAuth: clientId must be a non-empty string');
  }
  if (options.clientSecret !== undefined && options.clientAuthentication !== undefined) {
    throw new ConfigError('clientCredentialsAuth: give clientSecret or clientAuthentication, not both');
  }
  const clientAuthentication =
    options.clientAuthentication !== undefined
      ? checkClientAuthentication(options.clientAuthentication)
      : options.clientSecret !== undefined
        ? clientSecretBasic(options.clientSecret)
        : undefined;
  if (clientAuthentication === undefined) {
    throw new ConfigError('clientCredentialsAuth: clientSecret or clientAuthentication is required');
  }
  if (options.issuer === undefined && options.tokenEndpoint === undefined) {
    throw new ConfigError('clientCredentialsAuth: issuer or tokenEndpoint is required');
  }
  const issuer = options.issuer;
  if (issuer !== undefined) {
    const url = checkSecureUrl(issuer, 'clientCredentialsAuth: issuer');
    if (url.search !== '' || url.hash !== '') {
      throw new ConfigError('clientCredentialsAuth: issuer must not have a query or fragment');
    }
  }
  const tokenEndpoint =
    options.tokenEndpoint === undefined
      ? undefined
      : checkSecureUrl(options.tokenEndpoint, 'clientCredentialsAuth: tokenEndpoint');
  const transport = options.transport ?? globalFetchTransport;
  if (typeof transport !== 'function') {
    throw new ConfigError(
      'clientCredentialsAuth: transport must be a function (request) => Promise<Response>',
    );
  }
  if (clientAuthentication.usesMutualTls && options.transport === undefined) {
    throw new ConfigError(
      `clientCredentialsAuth: ${clientAuthentication.method} needs a transport that presents the client certificate, such as mtlsTransport() from @attache/mtls-node`,
    );
  }
  const useAliases = options.mtlsEndpointAliases ?? options.transport !== undefined;
  if (typeof useAliases !== 'boolean')
    throw new ConfigError('clientCredentialsAuth: mtlsEndpointAliases must be a boolean');
  const name = options.name ?? 'oauth-cc';
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigError('clientCredentialsAuth: name must be a non-empty string');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('clientCredentialsAuth: now must be a function');
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new ConfigError('clientCredentialsAuth: onEvent must be a function');
  }
  const scope = scopes(options.scope);
  const audience = list(options.audience, 'audience');
  const resource = resources(options.resource);
  const extras = extraParams(options.extraParams);
  const retry = resolveTokenRetry(options.retry);
  const dpopOption = options.dpop ?? false;
  if (typeof dpopOption !== 'boolean' && (typeof dpopOption !== 'object' || dpopOption === null)) {
    throw new ConfigError('clientCredentialsAuth: dpop must be true, false or { key, alg }');
  }
  const dpop: DpopProver | undefined = dpopOption === false ? undefined : createDpopProver(dpopOption);
  const sourceOptions = options.tokenSource ?? {};
  if (typeof sourceOptions !== 'object' || sourceOptions === null) {
    throw new ConfigError('clientCredentialsAuth: tokenSource must be an object');
  }

  const params: [string, string][] = [['grant_type', 'client_credentials']];
  if (scope.length > 0) params.push(['scope', scope.join(' ')]);
  for (const value of audience) params.push(['audience', value]);
  for (const value of resource) params.push(['resource', value]);
  params.push(...extras);

  // Tokens are bound to what identifies them: a DPoP-bound token is useless with another key, a token got
  // with other extra parameters may carry other rights.
  const identity = [
    ...(dpop === undefined ? [] : [`dpop=${dpop.keyId}`]),
    ...(extras.length === 0 ? [] : [`params=${fingerprint(JSON.stringify(extras))}`]),
  ];
  const baseKey = tokenCacheKey({
    tokenEndpoint: (tokenEndpoint ?? new URL(issuer ?? '')).href,
    clientId,
    scope,
    audience,
    resource,
  });
  const key = sourceOptions.key ?? (identity.length === 0 ? baseKey : `${baseKey}#${identity.join(';')}`);
  const fetchTimeout = sourceOptions.fetchTimeout ?? 30_000;
  const settings = {
    clientId,
    clientAuthentication,
    params,
    transport,
    retry,
    dpop,
  };

  async function target(signal: AbortSignal): Promise<TokenRequestTarget> {
    if (tokenEndpoint !== undefined) return { url: tokenEndpoint, issuer };
    const issuerId = issuer ?? '';
    const metadata = await discover(issuerId, { transport, signal });
    const alias = useAliases ? metadata.mtls_endpoint_aliases?.token_endpoint : undefined;
    const chosen = alias ?? metadata.token_endpoint;
    const url = parseSecureUrl(chosen);
    if (chosen === undefined || url === undefined) {
      throw new DiscoveryError(
        'invalid_metadata',
        issuerId,
        `Discovery for ${issuerId}: the metadata has no usable ${alias === undefined ? 'token_endpoint' : 'mtls_endpoint_aliases.token_endpoint'} (an https URL)`,
      );
    }
    return { url, issuer: metadata.issuer };
  }

  const fetchToken: FetchToken = async (context) => {
    const deadline = fetchTimeout === false ? Number.POSITIVE_INFINITY : context.now() + fetchTimeout;
    const where = await target(context.signal);
    return requestToken(settings, where, context.signal, deadline, context.now, context.clock, context.emit);
  };

  const source = createTokenSource(fetchToken, {
    ...sourceOptions,
    key,
    now,
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  const inner = tokenAuth({ source, name });
  const innerChallenge = inner.challenge?.bind(inner);

  async function attach(draft: RequestDraft, context: AuthContext): Promise<void> {
    await inner.attach(draft, context);
    if (dpop === undefined) return;
    const header = draft.headers.get('authorization') ?? '';
    // A Bearer token (the server declined to bind it) is sent as such, without a proof.
    if (!/^DPoP /i.test(header)) return;
    const proof = await dpop.proof({
      method: draft.method,
      url: new URL(draft.url),
      accessToken: header.slice(5).trim(),
      now: context.clock.now(),
    });
    draft.headers.set('dpop', proof);
  }

  return {
    name,
    source,
    sensitiveHeaders: ['authorization', 'dpop'],
    attach,
    async challenge(response, sent, context) {
      if (dpop !== undefined) {
        const nonce = response.headers.get('dpop-nonce');
        if (nonce !== null && nonce !== '') {
          dpop.rememberNonce(sent.url.origin, nonce);
          // RFC 9449 §9: the token is fine, the proof lacked the server's nonce: replay with it.
          if (context.challenges.some((c) => c.scheme === 'dpop' && c.params.error === 'use_dpop_nonce'))
            return 'replay';
        }
      }
      return innerChallenge === undefined ? 'fail' : innerChallenge(response, sent, context);
    },
  };
}
