import { ConfigError, type CredentialInput } from '@attache/core';
import { isHttpToken } from '@attache/core/internal';
import type { ApiKeyAuthOptions, ApiKeyPlacement } from './api-key-auth.ts';
import { isBrowser } from './is-browser.ts';
import { defaultSecretPatterns, statelessPatterns } from './secret-patterns.ts';

/** {@link ApiKeyAuthOptions} checked, with the defaults filled in: what attaching and checking a key read. */
export interface ApiKeySettings {
  readonly placement: ApiKeyPlacement;
  /** The header, query parameter or cookie name. */
  readonly name: string;
  /** Put before the key in a header value; `''` for the other placements. */
  readonly prefix: string;
  /** The secret-key patterns a key is refused for: none outside a browser or with `dangerouslyAllowBrowser`. */
  readonly refused: readonly RegExp[];
}

const DEFAULT_NAMES: Readonly<Record<ApiKeyPlacement, string>> = {
  header: 'X-API-Key',
  query: 'api_key',
  cookie: 'api_key',
};

const PREFIX = /^[\x20-\x7e]*$/;

const COOKIE_IN_BROWSER =
  "apiKeyAuth: in: 'cookie' cannot work in a browser: fetch may not set the Cookie header (the browser " +
  "drops it without a word). Use in: 'header' or in: 'query', or let the browser send a cookie the partner " +
  "set itself with credentials: 'include'.";

function isCredentialInput(value: unknown): value is CredentialInput {
  if (typeof value === 'string' || typeof value === 'function') return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { reveal?: unknown }).reveal === 'function'
  );
}

function placementOf(options: ApiKeyAuthOptions): ApiKeyPlacement {
  const placement = options.in ?? 'header';
  if (placement !== 'header' && placement !== 'query' && placement !== 'cookie') {
    throw new ConfigError(
      `apiKeyAuth: in must be 'header', 'query' or 'cookie', got ${JSON.stringify(placement)}`,
    );
  }
  return placement;
}

function nameOf(options: ApiKeyAuthOptions, placement: ApiKeyPlacement): string {
  const name = options.name ?? DEFAULT_NAMES[placement];
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigError('apiKeyAuth: name must be a non-empty string');
  // Header field names and cookie names (RFC 6265 §4.1.1) are both RFC 9110 tokens.
  if (placement !== 'query' && !isHttpToken(name)) {
    throw new ConfigError(`apiKeyAuth: name ${JSON.stringify(name)} is not a valid ${placement} name`);
  }
  if (placement === 'header' && name.toLowerCase() === 'cookie') {
    throw new ConfigError(
      "apiKeyAuth: name 'Cookie' with in: 'header' would replace every cookie; use in: 'cookie'",
    );
  }
  return name;
}

function prefixOf(options: ApiKeyAuthOptions, placement: ApiKeyPlacement): string {
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ConfigError('apiKeyAuth: prefix must be a string of printable ASCII characters');
  }
  if (prefix !== '' && placement !== 'header') {
    throw new ConfigError(`apiKeyAuth: prefix applies to in: 'header' only, not in: '${placement}'`);
  }
  return prefix;
}

/**
 * Checks the options of {@link apiKeyAuth}, one after another, and fills in the defaults.
 *
 * @throws {ConfigError} for an invalid option, or a cookie placement in a browser.
 */
export function resolveApiKeySettings(options: ApiKeyAuthOptions): ApiKeySettings {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('apiKeyAuth: options must be an object');
  const placement = placementOf(options);
  const name = nameOf(options, placement);
  const prefix = prefixOf(options, placement);
  const allowBrowser = options.dangerouslyAllowBrowser ?? false;
  if (typeof allowBrowser !== 'boolean')
    throw new ConfigError('apiKeyAuth: dangerouslyAllowBrowser must be a boolean');
  const patterns = options.secretPatterns ?? defaultSecretPatterns;
  if (!Array.isArray(patterns) || !patterns.every((pattern) => pattern instanceof RegExp)) {
    throw new ConfigError('apiKeyAuth: secretPatterns must be an array of RegExp');
  }
  if (!isCredentialInput(options.key)) {
    throw new ConfigError(
      'apiKeyAuth: key must be a non-empty string, a Secret, or a function returning one',
    );
  }
  const browser = isBrowser();
  if (browser && placement === 'cookie') throw new ConfigError(COOKIE_IN_BROWSER);
  const refused = browser && !allowBrowser ? statelessPatterns(patterns) : [];
  return { placement, name, prefix, refused };
}
