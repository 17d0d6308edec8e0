import {
  type AttacheEventListener,
  ConfigError,
  type FetchTokenContext,
  globalFetchTransport,
  type SecretInput,
  TokenAcquisitionError,
  type Transport,
} from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import type { ClientAuthentication } from './client-authentication.ts';
import { clientSecretBasic } from './client-secret-basic.ts';
import { discover } from './discover.ts';
import { DiscoveryError } from './discovery-error.ts';
import type { DpopProver } from './dpop.ts';
import { checkSecureUrl, parseSecureUrl } from './endpoint-url.ts';
import { checkClientAuthentication } from './grant-params.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, isByteLimit } from './read-bounded.ts';
import { resolveTokenRetry, type TokenEndpointRetryOptions } from './token-endpoint-retry.ts';
import { requestToken, type TokenRequestTarget } from './token-request.ts';
import type { GrantResponse } from './token-response.ts';

/** How a client reaches its authorization server: shared by every grant's options. */
export interface GrantClientOptions {
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
  /**
   * The most bytes of a token endpoint or discovery answer that are read. A larger answer is refused with a
   * `TokenAcquisitionError` (`error` `response_too_large`; a `DiscoveryError` for metadata) and not read
   * further, so a broken or hostile server cannot fill memory; a body still arriving at the deadline
   * (`tokenSource.fetchTimeout`) is cut there. Default `65536` (64 KiB: a token response with a large JWT
   * is a few KiB).
   */
  readonly maxResponseBytes?: number;
  /** Token endpoint retries, a number of retries, or `false`. See {@link TokenEndpointRetryOptions}. */
  readonly retry?: TokenEndpointRetryOptions | number | false;
  /** Receives token events (`token:acquired`, `token:refresh-failed`) and token endpoint retries. */
  readonly onEvent?: AttacheEventListener;
}

/** A client of one authorization server's token endpoint, for any grant. */
export interface GrantClient {
  readonly clientId: string;
  /** The token endpoint (or the issuer, before discovery): what cache keys are made of. */
  readonly endpointId: string;
  /** Sends one token request with `params` (the grant's), within the token source's fetch. */
  request(
    context: FetchTokenContext,
    params: readonly (readonly [string, string])[],
    fetchTimeout: number | false,
    dpop?: DpopProver,
  ): Promise<GrantResponse>;
}

/** A failure of the endpoint itself (unreachable, gone), not an OAuth answer about the request. */
function endpointFailed(error: unknown): boolean {
  if (!(error instanceof TokenAcquisitionError) || error.error !== undefined) return false;
  return error.status === undefined || error.status === 404 || error.status === 410 || error.status >= 500;
}

function resolveClientAuthentication(options: GrantClientOptions, who: string): ClientAuthentication {
  if (options.clientSecret !== undefined && options.clientAuthentication !== undefined) {
    throw new ConfigError(`${who}: give clientSecret or clientAuthentication, not both`);
  }
  if (options.clientAuthentication !== undefined)
    return checkClientAuthentication(options.clientAuthentication, who);
  if (options.clientSecret !== undefined) return clientSecretBasic(options.clientSecret);
  throw new ConfigError(`${who}: clientSecret or clientAuthentication is required`);
}

function resolveEndpoint(options: GrantClientOptions, who: string): { issuer?: string; tokenEndpoint?: URL } {
  if (options.issuer === undefined && options.tokenEndpoint === undefined) {
    throw new ConfigError(`${who}: issuer or tokenEndpoint is required`);
  }
  if (options.issuer !== undefined) {
    const url = checkSecureUrl(options.issuer, `${who}: issuer`);
    if (url.search !== '' || url.hash !== '') {
      throw new ConfigError(`${who}: issuer must not have a query or fragment`);
    }
  }
  return {
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.tokenEndpoint === undefined
      ? {}
      : { tokenEndpoint: checkSecureUrl(options.tokenEndpoint, `${who}: tokenEndpoint`) }),
  };
}

/** What `createGrantClient` resolved from the options, and whether the metadata must be fetched again. */
interface GrantEndpoint {
  readonly issuer: string | undefined;
  readonly tokenEndpoint: URL | undefined;
  readonly transport: Transport;
  readonly useAliases: boolean;
  readonly maxResponseBytes: number;
  /** Set when the discovered token endpoint failed: the next request looks the metadata up again first. */
  rediscover: boolean;
}

function resolveTransport(options: GrantClientOptions, who: string, auth: ClientAuthentication): Transport {
  const transport = options.transport ?? globalFetchTransport;
  if (typeof transport !== 'function') {
    throw new ConfigError(`${who}: transport must be a function (outgoing) => Promise<Response>`);
  }
  if (auth.usesMutualTls && options.transport === undefined) {
    throw new ConfigError(
      `${who}: ${auth.method} needs a transport that presents the client certificate, such as mtlsTransport() from @attache/mtls-node`,
    );
  }
  return transport;
}

/** The token endpoint given, or the one the issuer's metadata names (its mTLS alias when asked for). */
async function target(endpoint: GrantEndpoint, signal: AbortSignal): Promise<TokenRequestTarget> {
  const { issuer, tokenEndpoint } = endpoint;
  if (tokenEndpoint !== undefined) return { url: tokenEndpoint, issuer };
  const issuerId = issuer ?? '';
  const metadata = await discover(issuerId, {
    transport: endpoint.transport,
    signal,
    maxResponseBytes: endpoint.maxResponseBytes,
    ...(endpoint.rediscover ? { cache: false } : {}),
  });
  endpoint.rediscover = false;
  const alias = endpoint.useAliases ? metadata.mtls_endpoint_aliases?.token_endpoint : undefined;
  const chosen = alias ?? metadata.token_endpoint;
  const url = parseSecureUrl(chosen);
  // A user:password@ in it would be quoted by fetch's own error, and no request can be made to it.
  if (chosen === undefined || url === undefined || url.username !== '' || url.password !== '') {
    throw new DiscoveryError(
      'invalid_metadata',
      issuerId,
      `Discovery for ${issuerId}: the metadata has no usable ${alias === undefined ? 'token_endpoint' : 'mtls_endpoint_aliases.token_endpoint'} (an https URL)`,
    );
  }
  return { url, issuer: metadata.issuer };
}

/**
 * Checks the options every grant shares and returns a client of the token endpoint: client authentication,
 * discovery (with `mtls_endpoint_aliases`), the transport and token endpoint retries.
 *
 * @throws {ConfigError} naming the field, prefixed with `who` (the factory's name).
 */
export function createGrantClient(options: GrantClientOptions, who: string): GrantClient {
  // Travels encoded (Basic, form body, assertion claims): any text but controls.
  const clientId = checkHeaderValue(options.clientId, `${who}: clientId`, 'config', 'text');
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!isByteLimit(maxResponseBytes)) {
    throw new ConfigError(`${who}: maxResponseBytes must be a whole number of bytes above 0`);
  }
  const clientAuthentication = resolveClientAuthentication(options, who);
  const { issuer, tokenEndpoint } = resolveEndpoint(options, who);
  const transport = resolveTransport(options, who, clientAuthentication);
  const useAliases = options.mtlsEndpointAliases ?? options.transport !== undefined;
  if (typeof useAliases !== 'boolean') throw new ConfigError(`${who}: mtlsEndpointAliases must be a boolean`);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new ConfigError(`${who}: onEvent must be a function`);
  }
  const retry = resolveTokenRetry(options.retry);
  const endpoint: GrantEndpoint = {
    issuer,
    tokenEndpoint,
    transport,
    useAliases,
    maxResponseBytes,
    rediscover: false,
  };

  return {
    clientId,
    endpointId: (tokenEndpoint ?? new URL(issuer ?? '')).href,
    async request(context, params, fetchTimeout, dpop) {
      const deadline = fetchTimeout === false ? Number.POSITIVE_INFINITY : context.now() + fetchTimeout;
      const settings = {
        clientId,
        clientAuthentication,
        params,
        transport,
        retry,
        random: context.random,
        dpop,
        maxResponseBytes,
      };
      const where = await target(endpoint, context.signal);
      try {
        return await requestToken(
          settings,
          where,
          context.signal,
          deadline,
          context.now,
          context.clock,
          context.emit,
        );
      } catch (error) {
        // An endpoint that is gone or unreachable may have moved: the server's metadata says where to.
        if (tokenEndpoint === undefined && endpointFailed(error)) endpoint.rediscover = true;
        throw error;
      }
    },
  };
}
