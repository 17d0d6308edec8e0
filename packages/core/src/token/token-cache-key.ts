import { ConfigError } from '../errors.ts';

/** What identifies a token: who asked for it, where, and for what. Never a secret. */
export interface TokenCacheKeyParts {
  /** The token (or login) endpoint URL. */
  readonly tokenEndpoint: string | URL;
  /** The client id, user name or robot account name the token is issued to. */
  readonly clientId?: string;
  /** Requested scopes: a space-separated string or a list. Order and duplicates do not matter. */
  readonly scope?: string | readonly string[];
  /** Requested audiences. Order and duplicates do not matter. */
  readonly audience?: string | readonly string[];
  /** RFC 8707 resource indicators. Order and duplicates do not matter. */
  readonly resource?: string | readonly string[];
}

function normalizeList(value: string | readonly string[] | undefined, split: boolean): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? (split ? value.split(/\s+/) : [value]) : [...value];
  return [...new Set(items.filter((item) => item.length > 0))].sort();
}

/**
 * Builds a stable cache key for {@link createTokenSource}: token sources (and clients) built with equal
 * parts share one token and one in-flight fetch. Scopes, audiences and resources are sorted and
 * de-duplicated, the endpoint URL normalized. The key appears in events, so it never contains a secret:
 * do not put one in the parts.
 *
 * @throws {ConfigError} when `tokenEndpoint` is not an absolute URL.
 * @example
 * ```ts
 * tokenCacheKey({ tokenEndpoint: 'https://auth.partner.example/token', clientId: 'robot-7', scope: 'orders:read orders:write' });
 * // 'token:["https://auth.partner.example/token","robot-7",["orders:read","orders:write"],[],[]]'
 * ```
 */
export function tokenCacheKey(parts: TokenCacheKeyParts): string {
  let url: URL;
  try {
    url = new URL(parts.tokenEndpoint);
  } catch (cause) {
    throw new ConfigError('tokenCacheKey: tokenEndpoint must be an absolute URL', { cause });
  }
  // The key is printed in events: never let credentials embedded in the URL into it.
  url.username = '';
  url.password = '';
  const endpoint = url.href;
  return `token:${JSON.stringify([
    endpoint,
    parts.clientId ?? '',
    normalizeList(parts.scope, true),
    normalizeList(parts.audience, false),
    normalizeList(parts.resource, false),
  ])}`;
}
