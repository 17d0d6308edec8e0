// The simple scheme: four headers (key id, timestamp, nonce, signature) and an HMAC over a string built from
// named parts joined by a separator. The default is
//
//   METHOD \n path[?canonical-query] \n timestamp \n nonce \n body-digest [\n name:value ...]
//
// where body-digest is the SHA-256 of the exact body bytes (of zero bytes when there is no body), written
// in the signature's encoding, and the optional `name:value` lines are the configured signed headers.
// Partners document other orders, separators and a raw body instead of its digest: those are settings here
// (and named presets, see simple-presets.ts), not new code, so one verifier checks them all.
import { ConfigError } from '@attache/core';
import { isHttpToken } from '@attache/core/internal';
import type { ContentDigestAlgorithm } from '../content-digest.ts';
import { ENCODINGS, type Encoding } from '../encoding.ts';
import { SIMPLE_PRESETS, type SimpleSchemePreset } from './simple-presets.ts';

/** Header names the simple scheme uses. */
export interface SimpleSchemeHeaders {
  /** Default `X-Key-Id`. */
  readonly keyId?: string;
  /** Default `X-Timestamp`. */
  readonly timestamp?: string;
  /** Default `X-Nonce`. */
  readonly nonce?: string;
  /** Default `X-Signature`. */
  readonly signature?: string;
}

/** How the simple scheme writes its timestamp: Unix seconds, Unix milliseconds, or ISO 8601 UTC. */
export type TimestampFormat = 'unix' | 'unix-ms' | 'iso8601';

/**
 * One part of the simple scheme's string to sign.
 * - `method`: the method, upper case.
 * - `path`: the URL path as sent (percent-encoded), without the query.
 * - `path-query`: the path, then `?` and the canonical query (names and values percent-encoded, sorted) when
 *   there is one.
 * - `target`: the path and the query exactly as sent (`/a?b=1&a=2`), not canonicalised.
 * - `host`: the `host[:port]` of the URL.
 * - `timestamp`, `nonce`, `key-id`: the header values.
 * - `body-digest`: the digest of the body bytes (`bodyDigest`), in `bodyDigestEncoding`.
 * - `body`: the raw body bytes (none when there is no body).
 * - `signed-headers`: one `name:value` part per `signedHeaders` entry (nothing when there are none).
 */
export type SimplePart =
  | 'method'
  | 'path'
  | 'path-query'
  | 'target'
  | 'host'
  | 'timestamp'
  | 'nonce'
  | 'key-id'
  | 'body-digest'
  | 'body'
  | 'signed-headers';

/**
 * Settings of the simple scheme that signer and verifier must share. A `preset` supplies all of them; any
 * setting given beside it overrides the preset's.
 *
 * @example
 * ```ts
 * const simple: SimpleSchemeOptions = { headers: { signature: 'X-Partner-Signature' }, encoding: 'base64' };
 * const note: SimpleSchemeOptions = { preset: 'api-key-hmac' };
 * ```
 */
export interface SimpleSchemeOptions {
  /** A named scheme (see {@link SimpleSchemePreset}). Default: none, the settings below with their defaults. */
  readonly preset?: SimpleSchemePreset;
  /** Header names. Defaults: `X-Key-Id`, `X-Timestamp`, `X-Nonce`, `X-Signature`. */
  readonly headers?: SimpleSchemeHeaders;
  /** Encoding of the signature. Default `'hex'`. */
  readonly encoding?: Encoding;
  /** Timestamp format. Default `'unix'` (seconds). */
  readonly timestampFormat?: TimestampFormat;
  /** Extra headers covered by the signature (the `signed-headers` part), in this order. Default none. */
  readonly signedHeaders?: readonly string[];
  /**
   * The parts of the string to sign, in order. Default
   * `['method', 'path-query', 'timestamp', 'nonce', 'body-digest', 'signed-headers']`.
   */
  readonly parts?: readonly SimplePart[];
  /** What joins the parts. Default `'\n'`. */
  readonly separator?: string;
  /** The digest of the `body-digest` part. Default `'sha-256'`. */
  readonly bodyDigest?: ContentDigestAlgorithm;
  /** Encoding of the `body-digest` part. Default: `encoding`. */
  readonly bodyDigestEncoding?: Encoding;
}

export interface ResolvedSimpleScheme {
  readonly headers: Required<SimpleSchemeHeaders>;
  readonly encoding: Encoding;
  readonly timestampFormat: TimestampFormat;
  readonly signedHeaders: readonly string[];
  readonly parts: readonly SimplePart[];
  readonly separator: string;
  readonly bodyDigest: ContentDigestAlgorithm;
  readonly bodyDigestEncoding: Encoding;
}

/** The option names of the simple scheme, for factories that refuse them under another scheme. */
export const SIMPLE_SCHEME_FIELDS = [
  'preset',
  'headers',
  'encoding',
  'timestampFormat',
  'signedHeaders',
  'parts',
  'separator',
  'bodyDigest',
  'bodyDigestEncoding',
] as const;

const PARTS: readonly SimplePart[] = [
  'method',
  'path',
  'path-query',
  'target',
  'host',
  'timestamp',
  'nonce',
  'key-id',
  'body-digest',
  'body',
  'signed-headers',
];
const DEFAULT_PARTS: readonly SimplePart[] = [
  'method',
  'path-query',
  'timestamp',
  'nonce',
  'body-digest',
  'signed-headers',
];

export function resolveSimpleScheme(given: SimpleSchemeOptions, owner: string): ResolvedSimpleScheme {
  let options = given;
  if (given.preset !== undefined) {
    const preset = Object.hasOwn(SIMPLE_PRESETS, given.preset) ? SIMPLE_PRESETS[given.preset] : undefined;
    if (preset === undefined) {
      throw new ConfigError(`${owner}: preset must be one of ${Object.keys(SIMPLE_PRESETS).join(', ')}`);
    }
    options = { ...preset, ...stripUndefined(given), headers: { ...preset.headers, ...given.headers } };
  }
  const headers = schemeHeaders(options.headers, owner);
  const encoding = options.encoding ?? 'hex';
  if (!ENCODINGS.includes(encoding)) {
    throw new ConfigError(`${owner}: encoding must be 'hex', 'base64' or 'base64url'`);
  }
  const bodyDigestEncoding = options.bodyDigestEncoding ?? encoding;
  if (!ENCODINGS.includes(bodyDigestEncoding)) {
    throw new ConfigError(`${owner}: bodyDigestEncoding must be 'hex', 'base64' or 'base64url'`);
  }
  const bodyDigest = options.bodyDigest ?? 'sha-256';
  if (bodyDigest !== 'sha-256' && bodyDigest !== 'sha-512') {
    throw new ConfigError(`${owner}: bodyDigest must be 'sha-256' or 'sha-512'`);
  }
  const timestampFormat = options.timestampFormat ?? 'unix';
  if (timestampFormat !== 'unix' && timestampFormat !== 'unix-ms' && timestampFormat !== 'iso8601') {
    throw new ConfigError(`${owner}: timestampFormat must be 'unix', 'unix-ms' or 'iso8601'`);
  }
  const signedHeaders = options.signedHeaders ?? [];
  if (!Array.isArray(signedHeaders)) {
    throw new ConfigError(`${owner}: signedHeaders must be a list of header names`);
  }
  for (const name of signedHeaders) {
    if (typeof name !== 'string' || !isHttpToken(name)) {
      throw new ConfigError(
        `${owner}: signedHeaders contains ${JSON.stringify(name)}, which is not a header name`,
      );
    }
    if (name.toLowerCase() === headers.signature.toLowerCase()) {
      throw new ConfigError(`${owner}: signedHeaders cannot include the signature header`);
    }
  }
  const parts = checkParts(options.parts ?? DEFAULT_PARTS, owner);
  const separator = options.separator ?? '\n';
  if (typeof separator !== 'string') throw new ConfigError(`${owner}: separator must be a string`);
  return {
    headers,
    encoding,
    timestampFormat,
    signedHeaders,
    parts,
    separator,
    bodyDigest,
    bodyDigestEncoding,
  };
}

function stripUndefined(options: SimpleSchemeOptions): SimpleSchemeOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function schemeHeaders(given: SimpleSchemeHeaders | undefined, owner: string): Required<SimpleSchemeHeaders> {
  const headers = {
    keyId: given?.keyId ?? 'X-Key-Id',
    timestamp: given?.timestamp ?? 'X-Timestamp',
    nonce: given?.nonce ?? 'X-Nonce',
    signature: given?.signature ?? 'X-Signature',
  };
  const names = new Set<string>();
  for (const [field, name] of Object.entries(headers)) {
    if (typeof name !== 'string' || !isHttpToken(name)) {
      throw new ConfigError(`${owner}: headers.${field} must be a header name`);
    }
    names.add(name.toLowerCase());
  }
  if (names.size !== 4) throw new ConfigError(`${owner}: headers must be four different header names`);
  return headers;
}

function checkParts(parts: readonly SimplePart[], owner: string): readonly SimplePart[] {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new ConfigError(`${owner}: parts must be a non-empty list`);
  }
  for (const part of parts) {
    if (!PARTS.includes(part)) {
      throw new ConfigError(`${owner}: parts contains ${JSON.stringify(part)}; known: ${PARTS.join(', ')}`);
    }
  }
  // A signature that covers neither the timestamp nor the method and target can be replayed anywhere.
  for (const needed of ['method', 'timestamp'] as const) {
    if (!parts.includes(needed)) throw new ConfigError(`${owner}: parts must include '${needed}'`);
  }
  if (!parts.some((c) => c === 'path' || c === 'path-query' || c === 'target')) {
    throw new ConfigError(`${owner}: parts must include one of 'path', 'path-query', 'target'`);
  }
  return [...parts];
}
