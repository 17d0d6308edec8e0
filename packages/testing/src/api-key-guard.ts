import { ConfigError } from '@attache/core';
import { errorResponse, type GuardRejection } from './guard-result.ts';

/** Where the API key travels. */
export type ApiKeyLocation = 'header' | 'query' | 'cookie';

/**
 * The API key guard of {@link mockPartnerApi}: the request must carry one of `keys`, where `apiKeyAuth`
 * puts it. Defaults match `@attache/api-key`'s.
 *
 * @example
 * ```ts
 * const apiKey: ApiKeyGuardOptions = { in: 'query', name: 'key', keys: ['new-key', 'old-key'] };
 * ```
 */
export interface ApiKeyGuardOptions {
  /** Default `'header'`. */
  readonly in?: ApiKeyLocation;
  /** Header, query parameter or cookie name. Default `X-API-Key` for a header, `api_key` otherwise. */
  readonly name?: string;
  /** Text before the key in the header value, e.g. `'ApiKey '`. Header only. Default none. */
  readonly prefix?: string;
  /** The accepted keys (several during a rotation). Change them later with `api.setApiKeys()`. */
  readonly keys: string | readonly string[];
}

/** The checked, defaulted form of {@link ApiKeyGuardOptions}. */
export interface ApiKeyGuard {
  readonly in: ApiKeyLocation;
  readonly name: string;
  readonly prefix: string;
}

function fail(message: string): never {
  throw new ConfigError(`mockPartnerApi: guards.apiKey.${message}`);
}

export function checkApiKeyKeys(keys: unknown, field = 'guards.apiKey.keys'): readonly string[] {
  const list = typeof keys === 'string' ? [keys] : keys;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((key) => typeof key === 'string' && key.length > 0)
  ) {
    throw new ConfigError(`mockPartnerApi: ${field} must be a non-empty string or a non-empty list of them`);
  }
  return [...(list as string[])];
}

export function createApiKeyGuard(options: ApiKeyGuardOptions): ApiKeyGuard {
  if (typeof options !== 'object' || options === null) fail('must be an object');
  const location = options.in ?? 'header';
  if (!['header', 'query', 'cookie'].includes(location)) fail("in must be 'header', 'query' or 'cookie'");
  const name = options.name ?? (location === 'header' ? 'X-API-Key' : 'api_key');
  if (typeof name !== 'string' || name.length === 0) fail('name must be a non-empty string');
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || location !== 'header')) {
    fail("prefix must be a string, and applies to in: 'header' only");
  }
  return { in: location, name, prefix: options.prefix ?? '' };
}

function cookieValues(request: Request, name: string): string[] {
  const header = request.headers.get('cookie') ?? '';
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
  }
  return values;
}

/** The key the request presented, or why none usable was found. */
function presented(request: Request, guard: ApiKeyGuard): string | { readonly reason: string } {
  if (guard.in === 'header') {
    const value = request.headers.get(guard.name);
    if (value === null) return { reason: `no ${guard.name} header` };
    if (!value.startsWith(guard.prefix))
      return { reason: `${guard.name} must start with ${JSON.stringify(guard.prefix)}` };
    return value.slice(guard.prefix.length);
  }
  const values =
    guard.in === 'query'
      ? new URL(request.url).searchParams.getAll(guard.name)
      : cookieValues(request, guard.name);
  const where = guard.in === 'query' ? 'query parameter' : 'cookie';
  if (values.length === 0) return { reason: `no ${guard.name} ${where}` };
  if (values.length > 1) return { reason: `${guard.name} ${where} sent more than once` };
  return values[0] as string;
}

/** Checks the request's API key against `keys`. */
export function checkApiKey(
  request: Request,
  guard: ApiKeyGuard,
  keys: readonly string[],
): { readonly ok: true; readonly key: string } | GuardRejection {
  const key = presented(request, guard);
  const reason = typeof key === 'string' ? (keys.includes(key) ? undefined : 'unknown API key') : key.reason;
  if (reason === undefined) return { ok: true, key: key as string };
  return { ok: false, guard: 'apiKey', reason, response: errorResponse(401, 'invalid_api_key', reason) };
}
