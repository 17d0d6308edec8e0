import { ConfigError, globalFetchTransport, type Transport } from '@attache/core';
import { raceSignal } from '@attache/core/internal';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.ts';
import { DiscoveryError } from './discovery-error.ts';
import { parseSecureUrl } from './endpoint-url.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, isByteLimit } from './read-bounded.ts';

/** Options of {@link discover}. */
export interface DiscoverOptions {
  /** Sends the metadata requests. Default: the global `fetch`, looked up at call time. */
  readonly transport?: Transport;
  /** Aborts the lookup. */
  readonly signal?: AbortSignal;
  /**
   * Reuse metadata already fetched for this issuer in this process (and share a lookup in flight). `false`
   * fetches again and replaces the cached copy. Default `true`.
   */
  readonly cache?: boolean;
  /**
   * How long cached metadata is used before it is fetched again, in ms. When that fetch fails, the copy
   * already held keeps being used (and the next call tries again). Default `3_600_000` (one hour).
   */
  readonly maxAge?: number;
  /**
   * The most bytes of a metadata document that are read; a larger one is a `DiscoveryError`
   * (`invalid_metadata`) and is not read further, so a broken or hostile server cannot fill memory.
   * Default `65536` (64 KiB: real documents are a few KiB).
   */
  readonly maxResponseBytes?: number;
}

const DEFAULT_MAX_AGE = 3_600_000;

// The lookup (requests, checks, the per-issuer cache) loads with the first discovery: a client given its token
// endpoint never needs it.
const metadataLookup = () => import('./metadata-lookup.ts');

/**
 * Fetches an authorization server's metadata: RFC 8414 `/.well-known/oauth-authorization-server` first (with
 * the issuer's path after the well-known segment), then OpenID Connect's `/.well-known/openid-configuration`.
 * The document's `issuer` must equal `issuer` exactly (RFC 8414 §3.3), so a server cannot make the client
 * send its credentials to endpoints of another issuer. Successful results are cached per issuer for `maxAge`
 * (one hour by default) and concurrent lookups share one request; a refresh that fails keeps the metadata
 * held before, and failures are not cached.
 *
 * @throws {ConfigError} when `issuer` is not an https URL (http only for loopback) or has a query or fragment.
 * @throws {DiscoveryError} (a `TokenAcquisitionError`) when no document is found, it is invalid, its issuer
 *   differs, or the server fails.
 * @example
 * ```ts
 * const metadata = await discover('https://auth.partner.example');
 * console.log(metadata.token_endpoint);
 * ```
 */
export function discover(
  issuer: string,
  options: DiscoverOptions = {},
): Promise<AuthorizationServerMetadata> {
  const url = parseSecureUrl(issuer);
  if (
    url === undefined ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return Promise.reject(
      new ConfigError(
        `discover: issuer must be an https URL (http only for loopback) without query or fragment, got ${JSON.stringify(issuer)}`,
      ),
    );
  }
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE;
  if (typeof maxAge !== 'number' || !(maxAge >= 0)) {
    return Promise.reject(new ConfigError('discover: maxAge must be a number of ms >= 0'));
  }
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!isByteLimit(maxBytes)) {
    return Promise.reject(
      new ConfigError('discover: maxResponseBytes must be a whole number of bytes above 0'),
    );
  }
  const transport = options.transport ?? globalFetchTransport;
  const fresh = options.cache === false;
  const lookup = metadataLookup().then(
    ({ metadataFor }) => metadataFor(issuer, url, transport, maxAge, maxBytes, fresh),
    (cause: unknown) => {
      // A chunk that failed to load (an app deployed anew under a running page, say) fails like a server that is down.
      throw new DiscoveryError(
        'unavailable',
        issuer,
        `Discovery for ${issuer}: its code could not be loaded`,
        {
          cause,
        },
      );
    },
  );
  return options.signal === undefined ? lookup : raceSignal(lookup, options.signal);
}
