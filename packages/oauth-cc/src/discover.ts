import { ConfigError, globalFetchTransport, type Transport } from '@attache/core';
import { raceSignal } from '@attache/core/internal';
import * as z from 'zod/mini';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.ts';
import { DiscoveryError } from './discovery-error.ts';
import { parseSecureUrl } from './endpoint-url.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, isByteLimit, readBounded } from './read-bounded.ts';
import { describeBody, parseJson, safeUrl, send } from './send.ts';

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

const urlString = z.string().check(z.refine((value) => parseSecureUrl(value) !== undefined));
const stringList = z.optional(z.array(z.string()));
const MetadataSchema = z.looseObject({
  issuer: z.string(),
  token_endpoint: z.optional(urlString),
  jwks_uri: z.optional(z.string()),
  scopes_supported: stringList,
  grant_types_supported: stringList,
  token_endpoint_auth_methods_supported: stringList,
  token_endpoint_auth_signing_alg_values_supported: stringList,
  dpop_signing_alg_values_supported: stringList,
  mtls_endpoint_aliases: z.optional(z.record(z.string(), z.string())),
});

interface CachedMetadata {
  readonly lookup: Promise<AuthorizationServerMetadata>;
  /** Epoch ms after which the metadata is fetched again. */
  readonly freshUntil: number;
  /** The last metadata that was fetched successfully: served when a refresh fails. */
  readonly previous: AuthorizationServerMetadata | undefined;
}

const cache = new Map<string, CachedMetadata>();
const DEFAULT_MAX_AGE = 3_600_000;
// A shared lookup must not die with the first caller's signal: it has its own limit, and callers race it.
const LOOKUP_TIMEOUT = 30_000;

/** RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path. */
function wellKnownUrls(issuer: URL): readonly string[] {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  return [
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
    // OpenID Connect Discovery §4: appended to the issuer.
    `${issuer.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Only the origin of a server-given issuer: its path and query are the server's text, not ours to log. */
function originOf(value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    return 'that is not a URL';
  }
}

/** Fetches one well-known URL: its 200 answer, or `'not_found'` for a 4xx (the next URL is tried). */
async function getDocument(
  issuer: string,
  url: string,
  transport: Transport,
  signal: AbortSignal,
): Promise<Response | 'not_found'> {
  // Redirects are followed: the document is public, and the issuer check decides whether it is trusted.
  const headers = new Headers({ accept: 'application/json' });
  const request = { url: new URL(url), method: 'GET', headers, signal, redirect: 'follow' } as const;
  const response = await send(transport, request, 'metadata endpoint').catch((error: unknown) => {
    if (signal.aborted) throw error;
    const message = `Discovery for ${issuer} failed: ${(error as Error).message}`;
    throw new DiscoveryError('unavailable', issuer, message, { cause: error });
  });
  const status = response.status;
  if (status === 200) return response;
  await response.body?.cancel().catch(() => undefined);
  if (status >= 400 && status < 500) return 'not_found';
  if (status >= 500) {
    const message = `Discovery for ${issuer}: ${safeUrl(url)} answered HTTP ${status}`;
    throw new DiscoveryError('unavailable', issuer, message, { status });
  }
  throw new DiscoveryError(
    'invalid_metadata',
    issuer,
    `Discovery for ${issuer}: ${safeUrl(url)} answered HTTP ${status} instead of 200`,
    { status },
  );
}

/** Validates a metadata document (RFC 8414 §3.2) and that it describes exactly `issuer` (§3.3). */
function parseMetadata(
  issuer: string,
  url: string,
  text: string,
  response: Response,
): AuthorizationServerMetadata {
  const json = parseJson(text);
  const parsed = MetadataSchema.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    const what =
      json === undefined
        ? describeBody(text, response.headers.get('content-type'))
        : `metadata whose ${typeof field === 'string' ? field : 'content'} is missing or invalid`;
    const message = `Discovery for ${issuer}: ${safeUrl(url)} returned ${what}`;
    throw new DiscoveryError('invalid_metadata', issuer, message, { status: response.status });
  }
  if (parsed.data.issuer !== issuer) {
    throw new DiscoveryError(
      'issuer_mismatch',
      issuer,
      `Discovery for ${issuer}: ${safeUrl(url)} describes issuer ${originOf(parsed.data.issuer)}; ` +
        'metadata is only trusted when its issuer is exactly the one asked for',
    );
  }
  return Object.freeze(parsed.data) as AuthorizationServerMetadata;
}

async function fetchDocument(
  issuer: string,
  url: string,
  transport: Transport,
  signal: AbortSignal,
  maxBytes: number,
): Promise<AuthorizationServerMetadata | 'not_found'> {
  const response = await getDocument(issuer, url, transport, signal);
  if (response === 'not_found') return response;
  const text = await readBounded(response, maxBytes, signal);
  if (typeof text !== 'string') {
    throw new DiscoveryError(
      'invalid_metadata',
      issuer,
      `Discovery for ${issuer}: ${safeUrl(url)} returned more than ${text.limit} bytes (maxResponseBytes); the document was not read further`,
      { status: response.status },
    );
  }
  return parseMetadata(issuer, url, text, response);
}

async function lookUp(
  issuer: string,
  url: URL,
  transport: Transport,
  signal: AbortSignal,
  maxBytes: number,
): Promise<AuthorizationServerMetadata> {
  for (const candidate of wellKnownUrls(url)) {
    const metadata = await fetchDocument(issuer, candidate, transport, signal, maxBytes);
    if (metadata !== 'not_found') return metadata;
  }
  throw new DiscoveryError(
    'not_found',
    issuer,
    `Discovery for ${issuer}: neither /.well-known/oauth-authorization-server (RFC 8414) nor /.well-known/openid-configuration exists`,
  );
}

/**
 * Starts a lookup and caches it. A failed refresh falls back to the metadata held before (kept until the
 * next attempt); with nothing held, the failure is not cached.
 */
function refresh(
  issuer: string,
  url: URL,
  transport: Transport,
  maxAge: number,
  held: CachedMetadata | undefined,
  maxBytes: number,
): Promise<AuthorizationServerMetadata> {
  const settledBefore = held?.previous;
  const started = lookUp(issuer, url, transport, AbortSignal.timeout(LOOKUP_TIMEOUT), maxBytes).then(
    (metadata) => {
      cache.set(issuer, {
        lookup: Promise.resolve(metadata),
        freshUntil: Date.now() + maxAge,
        previous: metadata,
      });
      return metadata;
    },
    (error: unknown) => {
      if (cache.get(issuer)?.lookup !== started) throw error;
      if (settledBefore === undefined) {
        cache.delete(issuer);
        throw error;
      }
      // Stale but usable: the server is down or moved; try again on the next call.
      cache.set(issuer, { lookup: Promise.resolve(settledBefore), freshUntil: 0, previous: settledBefore });
      return settledBefore;
    },
  );
  cache.set(issuer, { lookup: started, freshUntil: Number.POSITIVE_INFINITY, previous: settledBefore });
  return started;
}

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
  const held = cache.get(issuer);
  const lookup =
    held === undefined || options.cache === false || Date.now() >= held.freshUntil
      ? refresh(issuer, url, transport, maxAge, held, maxBytes)
      : held.lookup;
  return options.signal === undefined ? lookup : raceSignal(lookup, options.signal);
}
