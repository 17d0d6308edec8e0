// The simple scheme: four headers (key id, timestamp, nonce, signature) and a signature over
//
//   METHOD \n path[?canonical-query] \n timestamp \n nonce \n body-digest [\n name:value ...]
//
// where body-digest is the SHA-256 of the exact body bytes (of zero bytes when there is no body), written
// in the signature's encoding, and the optional `name:value` lines are the configured signed headers.
import { ConfigError } from '@attache/core';
import { isHttpToken } from '@attache/core/internal';
import { canonicalHeaders } from './canonical-headers.ts';
import { canonicalQuery } from './canonical-query.ts';
import { hashNow } from './content-digest.ts';
import { type Encoding, encodeBytes } from './encoding.ts';

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
 * Settings of the simple scheme that signer and verifier must share.
 *
 * @example
 * ```ts
 * const simple: SimpleSchemeOptions = { headers: { signature: 'X-Partner-Signature' }, encoding: 'base64' };
 * ```
 */
export interface SimpleSchemeOptions {
  /** Header names. Defaults: `X-Key-Id`, `X-Timestamp`, `X-Nonce`, `X-Signature`. */
  readonly headers?: SimpleSchemeHeaders;
  /** Encoding of the signature and of the body digest in the string to sign. Default `'hex'`. */
  readonly encoding?: Encoding;
  /** Timestamp format. Default `'unix'` (seconds). */
  readonly timestampFormat?: TimestampFormat;
  /** Extra headers covered by the signature, as `name:value` lines in this order. Default none. */
  readonly signedHeaders?: readonly string[];
}

export interface ResolvedSimpleScheme {
  readonly headers: Required<SimpleSchemeHeaders>;
  readonly encoding: Encoding;
  readonly timestampFormat: TimestampFormat;
  readonly signedHeaders: readonly string[];
}

export function resolveSimpleScheme(options: SimpleSchemeOptions, owner: string): ResolvedSimpleScheme {
  const headers = {
    keyId: options.headers?.keyId ?? 'X-Key-Id',
    timestamp: options.headers?.timestamp ?? 'X-Timestamp',
    nonce: options.headers?.nonce ?? 'X-Nonce',
    signature: options.headers?.signature ?? 'X-Signature',
  };
  const names = new Set<string>();
  for (const [field, name] of Object.entries(headers)) {
    if (typeof name !== 'string' || !isHttpToken(name)) {
      throw new ConfigError(`${owner}: headers.${field} must be a header name`);
    }
    names.add(name.toLowerCase());
  }
  if (names.size !== 4) throw new ConfigError(`${owner}: headers must be four different header names`);
  const encoding = options.encoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64' && encoding !== 'base64url') {
    throw new ConfigError(`${owner}: encoding must be 'hex', 'base64' or 'base64url'`);
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
  return { headers, encoding, timestampFormat, signedHeaders: signedHeaders.map((n) => n.toLowerCase()) };
}

export function formatTimestamp(epochMs: number, format: TimestampFormat): string {
  switch (format) {
    case 'unix':
      return String(Math.floor(epochMs / 1000));
    case 'unix-ms':
      return String(Math.floor(epochMs));
    case 'iso8601':
      return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
}

/** Reads a timestamp written by {@link formatTimestamp}; epoch milliseconds, or `undefined` if malformed. */
export function parseTimestamp(text: string, format: TimestampFormat): number | undefined {
  switch (format) {
    case 'unix':
      return /^\d{1,12}$/.test(text) ? Number(text) * 1000 : undefined;
    case 'unix-ms':
      return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
    case 'iso8601': {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/.test(text)) return undefined;
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? undefined : ms;
    }
  }
}

export interface SimpleSigningInput {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly timestamp: string;
  readonly nonce: string;
  readonly body: Uint8Array<ArrayBuffer>;
}

/** The exact string the simple scheme signs (at once where the platform hashes natively). */
export function simpleStringToSign(
  input: SimpleSigningInput,
  scheme: ResolvedSimpleScheme,
): string | Promise<string> {
  const query = canonicalQuery(input.url.search);
  const target = query === '' ? input.url.pathname : `${input.url.pathname}?${query}`;
  const join = (digest: Uint8Array): string =>
    [
      input.method.toUpperCase(),
      target,
      input.timestamp,
      input.nonce,
      encodeBytes(digest, scheme.encoding),
      ...canonicalHeaders(input.headers, scheme.signedHeaders),
    ].join('\n');
  const digest = hashNow('sha-256', input.body);
  return digest instanceof Promise ? digest.then(join) : join(digest);
}
