// Named simple schemes: data, checked by the same resolver as a user's own settings.
import type { SimpleSchemeOptions } from './simple-scheme.ts';

/**
 * A named simple scheme.
 * - `'api-key-hmac'`: HMAC-SHA256, lower-case hex, over `METHOD\npath\ntimestamp\nnonce\n` followed by the
 *   raw body bytes (the path without its query), in `X-API-Key` (the key id), `X-Timestamp` (Unix seconds),
 *   `X-Nonce` and `X-Signature`. The query is not covered by this scheme: a partner that reads parameters
 *   from it should use the default simple scheme or `rfc9421`.
 */
export type SimpleSchemePreset = 'api-key-hmac';

export const SIMPLE_PRESETS: Readonly<Record<SimpleSchemePreset, SimpleSchemeOptions>> = {
  'api-key-hmac': {
    headers: { keyId: 'X-API-Key', timestamp: 'X-Timestamp', nonce: 'X-Nonce', signature: 'X-Signature' },
    encoding: 'hex',
    timestampFormat: 'unix',
    parts: ['method', 'path', 'timestamp', 'nonce', 'body'],
    separator: '\n',
  },
};
