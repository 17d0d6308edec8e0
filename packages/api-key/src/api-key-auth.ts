import {
  type Authenticator,
  ConfigError,
  type CredentialInput,
  type RequestDraft,
  revealSecret,
  type SecretInput,
} from '@attache/core';
import { checkHeaderValue, isHttpToken } from '@attache/core/internal';
import { getCookiePair, setCookiePair } from './cookie-header.ts';
import { isBrowser } from './is-browser.ts';
import { createKeySource } from './key-source.ts';
import { getQueryParam, setQueryParam } from './query-param.ts';
import { defaultSecretPatterns, matchSecretPattern, statelessPatterns } from './secret-patterns.ts';

/** Where the key travels: a request header, a query parameter, or a cookie (Node and edge only). */
export type ApiKeyPlacement = 'header' | 'query' | 'cookie';

/**
 * Options of {@link apiKeyAuth}.
 *
 * @example
 * ```ts
 * apiKeyAuth({ key: secret(process.env.PARTNER_KEY!), in: 'header', name: 'Authorization', prefix: 'ApiKey ' });
 * ```
 */
export interface ApiKeyAuthOptions {
  /**
   * The key: a string, a `Secret`, or a provider (sync or async) returning one. A provider is read on the
   * first call and cached; after a 401 it is read again, and the call is replayed once if the key changed
   * (rotation without restart). Concurrent reads share one provider call.
   */
  readonly key: CredentialInput;
  /** Where the key travels. Default `'header'`. `'cookie'` throws a `ConfigError` in a browser. */
  readonly in?: ApiKeyPlacement;
  /**
   * The header, query parameter or cookie name. Default `X-API-Key` for a header, `api_key` for a query
   * parameter or a cookie.
   */
  readonly name?: string;
  /** Text put before the key in the header value, e.g. `'ApiKey '` or `'Token '`. Header placement only. */
  readonly prefix?: string;
  /**
   * Lets a key that looks secret (see `secretPatterns`) be used in a browser. Only for keys that are
   * really meant to be public: anything a page sends, every visitor can read. Default `false`.
   */
  readonly dangerouslyAllowBrowser?: boolean;
  /**
   * What a secret key looks like: in a browser, a key matching any of these is refused unless
   * `dangerouslyAllowBrowser` is set. Replaces the defaults; extend them with
   * `[...defaultSecretPatterns, /^acme_sk_/]`. Default {@link defaultSecretPatterns}.
   */
  readonly secretPatterns?: readonly RegExp[];
}

const DEFAULT_NAMES: Readonly<Record<ApiKeyPlacement, string>> = {
  header: 'X-API-Key',
  query: 'api_key',
  cookie: 'api_key',
};

// RFC 6265 §4.1.1 cookie-octet also excludes `"`, `,`, `;` and `\`.
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;
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

/**
 * Sends an API key in a header (default `X-API-Key`), a query parameter or a cookie, and adds nothing
 * else to the request. With a provider as `key`, a 401 re-reads the provider and replays the call once if
 * the key changed.
 *
 * In a browser (a global `document`, or a worker's `importScripts`): `in: 'cookie'` is a `ConfigError`,
 * and a key matching `secretPatterns` (`sk_live_…`, `sk-…` and other server-side keys) is refused unless
 * `dangerouslyAllowBrowser: true`.
 *
 * @throws {ConfigError} synchronously for invalid options, a cookie placement in a browser, or a fixed key
 *   that looks secret in a browser; from the call, when a provider returns such a key.
 * @throws {TokenAcquisitionError} from the call, when the key provider throws or rejects.
 * @example
 * ```ts
 * const partnerFetch = createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: apiKeyAuth({ key: secret(process.env.PARTNER_KEY!) }),
 * });
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Authenticator {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('apiKeyAuth: options must be an object');
  const placement = options.in ?? 'header';
  if (placement !== 'header' && placement !== 'query' && placement !== 'cookie') {
    throw new ConfigError(
      `apiKeyAuth: in must be 'header', 'query' or 'cookie', got ${JSON.stringify(placement)}`,
    );
  }
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
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ConfigError('apiKeyAuth: prefix must be a string of printable ASCII characters');
  }
  if (prefix !== '' && placement !== 'header') {
    throw new ConfigError(`apiKeyAuth: prefix applies to in: 'header' only, not in: '${placement}'`);
  }
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

  // Throws without ever quoting the key: messages end up in logs.
  function checkKey(key: string): void {
    // Visible ASCII in every placement: keys never need spaces or controls, and fetch would trim the one
    // and refuse the other with the value in its message.
    checkHeaderValue(key, 'apiKeyAuth: key', 'config');
    if (placement === 'cookie' && !COOKIE_OCTETS.test(key)) {
      throw new ConfigError(
        'apiKeyAuth: key must be visible ASCII without ", comma, ; or \\ to travel in a cookie',
      );
    }
    const match = matchSecretPattern(key, refused);
    if (match !== undefined) {
      throw new ConfigError(
        `apiKeyAuth: key looks like a secret server-side key (it matches ${String(match)}) and this code runs ` +
          'in a browser, where every visitor can read it. Call the partner from your server, use a ' +
          'publishable key, or pass dangerouslyAllowBrowser: true if this key is meant to be public.',
      );
    }
  }

  if (typeof options.key !== 'function') checkKey(revealSecret(options.key as SecretInput));
  const source = createKeySource(options.key, checkKey);

  function attach(draft: RequestDraft, key: string): void {
    if (placement === 'header') draft.headers.set(name, prefix + key);
    else if (placement === 'query') draft.url.search = setQueryParam(draft.url, name, key).search;
    else draft.headers.set('cookie', setCookiePair(draft.headers.get('cookie'), name, key));
  }

  // A static key is attached without a microtask; a provider's (cached) read is awaited.
  const attachKey = (draft: RequestDraft): Promise<void> | void => {
    const key = source.current();
    return typeof key === 'string' ? attach(draft, key) : key.then((value) => attach(draft, value));
  };

  // The key a hop carried, read back from the draft as sent: other authenticators ran on it after this one.
  function sentKey(sent: RequestDraft): string | undefined {
    if (placement === 'query') return getQueryParam(sent.url, name);
    if (placement === 'cookie') return getCookiePair(sent.headers.get('cookie'), name);
    const value = sent.headers.get(name);
    return value?.startsWith(prefix) ? value.slice(prefix.length) : undefined;
  }

  return {
    name: 'api-key',
    ...(placement === 'query'
      ? { sensitiveQuery: [name] }
      : { sensitiveHeaders: [placement === 'cookie' ? 'cookie' : name.toLowerCase()] }),
    attach: attachKey,
    async challenge(_response, sent) {
      if (!source.rotates) return 'fail';
      return (await source.renew(sentKey(sent))) ? 'replay' : 'fail';
    },
  };
}
