import type { Transport } from '@attache/core';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.ts';
import { DiscoveryError } from './discovery-error.ts';
import { parseSecureUrl } from './endpoint-url.ts';
import {
  type FieldCheck,
  invalidField,
  isJsonObject,
  isString,
  isStringList,
  isStringMap,
  optional,
  serverFields,
} from './json-fields.ts';
import { readBounded } from './read-bounded.ts';
import { describeBody, parseJson, safeUrl, send } from './send.ts';

const isSecureUrl: FieldCheck = (value) => typeof value === 'string' && parseSecureUrl(value) !== undefined;
const stringList = optional(isStringList);
const METADATA: Readonly<Record<string, FieldCheck>> = {
  issuer: isString,
  token_endpoint: optional(isSecureUrl),
  jwks_uri: optional(isString),
  scopes_supported: stringList,
  grant_types_supported: stringList,
  token_endpoint_auth_methods_supported: stringList,
  token_endpoint_auth_signing_alg_values_supported: stringList,
  dpop_signing_alg_values_supported: stringList,
  mtls_endpoint_aliases: optional(isStringMap),
};

interface CachedMetadata {
  readonly lookup: Promise<AuthorizationServerMetadata>;
  /** Epoch ms after which the metadata is fetched again. */
  readonly freshUntil: number;
  /** The last metadata that was fetched successfully: served when a refresh fails. */
  readonly previous: AuthorizationServerMetadata | undefined;
}

const cache = new Map<string, CachedMetadata>();
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
  const field = isJsonObject(json) ? invalidField(json, METADATA) : 'content';
  if (field !== undefined || !isJsonObject(json)) {
    const what =
      json === undefined
        ? describeBody(text, response.headers.get('content-type'))
        : `metadata whose ${field ?? 'content'} is missing or invalid`;
    const message = `Discovery for ${issuer}: ${safeUrl(url)} returned ${what}`;
    throw new DiscoveryError('invalid_metadata', issuer, message, { status: response.status });
  }
  const metadata = serverFields(json) as AuthorizationServerMetadata;
  if (metadata.issuer !== issuer) {
    throw new DiscoveryError(
      'issuer_mismatch',
      issuer,
      `Discovery for ${issuer}: ${safeUrl(url)} describes issuer ${originOf(metadata.issuer)}; ` +
        'metadata is only trusted when its issuer is exactly the one asked for',
    );
  }
  return Object.freeze(metadata);
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
 * The metadata of `issuer` (already checked by {@link discover}): the cached copy while it is fresh, else a
 * lookup shared by concurrent callers. `fresh` fetches again whatever is cached.
 */
export function metadataFor(
  issuer: string,
  url: URL,
  transport: Transport,
  maxAge: number,
  maxBytes: number,
  fresh: boolean,
): Promise<AuthorizationServerMetadata> {
  const held = cache.get(issuer);
  return held === undefined || fresh || Date.now() >= held.freshUntil
    ? refresh(issuer, url, transport, maxAge, held, maxBytes)
    : held.lookup;
}
