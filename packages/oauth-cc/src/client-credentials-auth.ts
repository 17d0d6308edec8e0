import {
  type AuthContext,
  type Authenticator,
  ConfigError,
  createTokenSource,
  type FetchToken,
  type RequestDraft,
  type TokenSource,
  type TokenSourceOptions,
  tokenAuth,
  tokenCacheKey,
} from '@attache/core';
import { forwardEvents } from '@attache/core/internal';
import { createDpopProver, type DpopOptions, type DpopProver } from './dpop.ts';
import { createGrantClient, type GrantClientOptions } from './grant-client.ts';
import { extraParams, fingerprint, list, resources, scopes } from './grant-params.ts';

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
export interface ClientCredentialsAuthOptions extends GrantClientOptions {
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
   * Token source settings (`expirySkew`, `store`, `fetchTimeout`, `key`, …): see `createTokenSource`.
   * Default `key`: the token endpoint (or issuer), client id, scope, audience, resource, DPoP key and extra
   * parameters, so equal clients in the process share one token.
   */
  readonly tokenSource?: ClientCredentialsTokenSourceOptions;
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
  const who = 'clientCredentialsAuth';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${who}: options must be an object`);
  const client = createGrantClient(options, who);
  const name = options.name ?? 'oauth-cc';
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigError(`${who}: name must be a non-empty string`);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError(`${who}: now must be a function`);
  const scope = scopes(options.scope);
  const audience = list(options.audience, 'audience');
  const resource = resources(options.resource);
  const extras = extraParams(options.extraParams);
  const dpop = resolveDpop(options.dpop);
  const sourceOptions = options.tokenSource ?? {};
  if (typeof sourceOptions !== 'object' || sourceOptions === null) {
    throw new ConfigError(`${who}: tokenSource must be an object`);
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
    tokenEndpoint: client.endpointId,
    clientId: client.clientId,
    scope,
    audience,
    resource,
  });
  const key = sourceOptions.key ?? (identity.length === 0 ? baseKey : `${baseKey}#${identity.join(';')}`);
  const fetchTimeout = sourceOptions.fetchTimeout ?? 30_000;
  const fetchToken: FetchToken = (context) => client.request(context, params, fetchTimeout, dpop);
  const source = createTokenSource(fetchToken, {
    ...sourceOptions,
    key,
    now,
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  return withDpop(tokenAuth({ source, name }), source, dpop);
}

function resolveDpop(option: ClientCredentialsAuthOptions['dpop']): DpopProver | undefined {
  const value = option ?? false;
  if (typeof value !== 'boolean' && (typeof value !== 'object' || value === null)) {
    throw new ConfigError('clientCredentialsAuth: dpop must be true, false or { key, alg }');
  }
  return value === false ? undefined : createDpopProver(value);
}

/** The token authenticator, with DPoP proofs on resource requests and the resource's nonce handled. */
function withDpop(
  inner: Authenticator,
  source: TokenSource,
  dpop: DpopProver | undefined,
): ClientCredentialsAuth {
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
    name: inner.name,
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
    // The events of a token store with its own (a Redis store's outages) join the client's `onEvent`.
    ...forwardEvents(inner),
  };
}
