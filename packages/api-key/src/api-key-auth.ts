import {
  type Authenticator,
  type CredentialInput,
  type RequestDraft,
  revealSecret,
  type SecretInput,
} from '@attache/core';
import { resolveApiKeySettings } from './api-key-settings.ts';
import { checkKey, placeKey, sentKey } from './key-placement.ts';
import { createKeySource } from './key-source.ts';

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
  const settings = resolveApiKeySettings(options);
  const check = (key: string): void => checkKey(settings, key);
  if (typeof options.key !== 'function') check(revealSecret(options.key as SecretInput));
  const source = createKeySource(options.key, check);

  // A static key is attached without a microtask; a provider's (cached) read is awaited.
  const attachKey = (draft: RequestDraft): Promise<void> | void => {
    const key = source.current();
    return typeof key === 'string'
      ? placeKey(settings, draft, key)
      : key.then((value) => placeKey(settings, draft, value));
  };

  const { placement, name } = settings;
  return {
    name: 'api-key',
    ...(placement === 'query'
      ? { sensitiveQuery: [name] }
      : { sensitiveHeaders: [placement === 'cookie' ? 'cookie' : name.toLowerCase()] }),
    attach: attachKey,
    async challenge(_response, sent) {
      if (!source.rotates) return 'fail';
      return (await source.renew(sentKey(settings, sent))) ? 'replay' : 'fail';
    },
  };
}
