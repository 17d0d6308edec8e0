import { ConfigError } from '@attache/core';
import { isLoopbackHost } from '@attache/core/internal';

/**
 * Parses a URL credentials will be sent to (issuer, token endpoint): absolute, `https:`, or `http:` to a
 * loopback host (local development and tests). Returns `undefined` when it does not qualify.
 */
export function parseSecureUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  return undefined;
}

/** Like {@link parseSecureUrl}, throwing a `ConfigError` that names `field`. */
export function checkSecureUrl(value: unknown, field: string): URL {
  const url = parseSecureUrl(value);
  if (url === undefined) {
    throw new ConfigError(
      `${field} must be an absolute https URL (http only for loopback hosts), got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${field} must not carry credentials in the URL`);
  }
  return url;
}
