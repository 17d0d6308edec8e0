import { ConfigError, type RequestDraft } from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import type { ApiKeySettings } from './api-key-settings.ts';
import { getCookiePair, setCookiePair } from './cookie-header.ts';
import { getQueryParam, setQueryParam } from './query-param.ts';
import { matchSecretPattern } from './secret-patterns.ts';

// RFC 6265 §4.1.1 cookie-octet also excludes `"`, `,`, `;` and `\`.
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

/** Throws when `key` cannot travel where the settings put it, or is refused in a browser; never quotes it. */
export function checkKey(settings: ApiKeySettings, key: string): void {
  // Visible ASCII in every placement: keys never need spaces or controls, and fetch would trim the one
  // and refuse the other with the value in its message.
  checkHeaderValue(key, 'apiKeyAuth: key', 'config');
  if (settings.placement === 'cookie' && !COOKIE_OCTETS.test(key)) {
    throw new ConfigError(
      'apiKeyAuth: key must be visible ASCII without ", comma, ; or \\ to travel in a cookie',
    );
  }
  const match = matchSecretPattern(key, settings.refused);
  if (match !== undefined) {
    throw new ConfigError(
      `apiKeyAuth: key looks like a secret server-side key (it matches ${String(match)}) and this code runs ` +
        'in a browser, where every visitor can read it. Call the partner from your server, use a ' +
        'publishable key, or pass dangerouslyAllowBrowser: true if this key is meant to be public.',
    );
  }
}

/** Writes `key` onto the draft: a header (after the prefix), a query parameter, or a cookie pair. */
export function placeKey(settings: ApiKeySettings, draft: RequestDraft, key: string): void {
  const { placement, name } = settings;
  if (placement === 'header') draft.headers.set(name, settings.prefix + key);
  else if (placement === 'query') draft.url.search = setQueryParam(draft.url, name, key).search;
  else draft.headers.set('cookie', setCookiePair(draft.headers.get('cookie'), name, key));
}

/** The key a hop carried, read back from the draft as sent: other authenticators ran on it after this one. */
export function sentKey(settings: ApiKeySettings, sent: RequestDraft): string | undefined {
  const { placement, name, prefix } = settings;
  if (placement === 'query') return getQueryParam(sent.url, name);
  if (placement === 'cookie') return getCookiePair(sent.headers.get('cookie'), name);
  const value = sent.headers.get(name);
  return value?.startsWith(prefix) ? value.slice(prefix.length) : undefined;
}
