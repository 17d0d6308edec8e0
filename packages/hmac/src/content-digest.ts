// RFC 9530 §2: `Content-Digest` is a Dictionary whose keys name a hash algorithm (§5 registry) and whose
// values are the Byte Sequence of that hash over the message content, the exact bytes sent.
import { ConfigError } from '@attache/core';
import { ownBytes, utf8 } from './encoding.ts';
import { nativeDigest } from './native-crypto.ts';
import { parseDictionary, type SfMember, serializeDictionary, sfBytes } from './structured-fields.ts';
import { timingSafeEqual } from './timing-safe-equal.ts';

/** Hash algorithms of RFC 9530's registry that are not deprecated. */
export type ContentDigestAlgorithm = 'sha-256' | 'sha-512';

/** A body as {@link contentDigest} accepts it: bytes, a string (hashed as UTF-8), or nothing (empty). */
export type ContentDigestInput = Uint8Array | ArrayBuffer | string | null | undefined;

/**
 * Options of {@link contentDigest}.
 *
 * @example
 * ```ts
 * await contentDigest(body, { algorithms: ['sha-256', 'sha-512'] });
 * ```
 */
export interface ContentDigestOptions {
  /** Algorithms to include, in order. Default `['sha-256']`. */
  readonly algorithms?: readonly ContentDigestAlgorithm[];
}

const SUBTLE_HASH: Readonly<Record<ContentDigestAlgorithm, string>> = {
  'sha-256': 'SHA-256',
  'sha-512': 'SHA-512',
};

export const CONTENT_DIGEST_ALGORITHMS: readonly ContentDigestAlgorithm[] = ['sha-256', 'sha-512'];

export function bodyBytes(body: ContentDigestInput): Uint8Array<ArrayBuffer> {
  if (body === null || body === undefined) return new Uint8Array(0);
  if (typeof body === 'string') return utf8(body);
  // Hashing only reads the bytes: a view on an ArrayBuffer is used as it is.
  return body instanceof Uint8Array && body.buffer instanceof ArrayBuffer
    ? (body as Uint8Array<ArrayBuffer>)
    : ownBytes(body);
}

export async function hash(
  algorithm: ContentDigestAlgorithm,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  return hashNow(algorithm, bytes);
}

/** The digest, synchronously where the platform hashes natively (Node), else by WebCrypto. */
export function hashNow(
  algorithm: ContentDigestAlgorithm,
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array | Promise<Uint8Array> {
  return (
    nativeDigest(SUBTLE_HASH[algorithm], bytes) ??
    crypto.subtle.digest(SUBTLE_HASH[algorithm], bytes).then((digest) => new Uint8Array(digest))
  );
}

export function checkDigestAlgorithms(
  algorithms: readonly ContentDigestAlgorithm[],
  field: string,
): readonly ContentDigestAlgorithm[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new ConfigError(`${field} must be a non-empty list of 'sha-256' | 'sha-512'`);
  }
  for (const algorithm of algorithms) {
    if (!CONTENT_DIGEST_ALGORITHMS.includes(algorithm)) {
      throw new ConfigError(
        `${field}: unsupported algorithm "${String(algorithm)}" (use 'sha-256' or 'sha-512')`,
      );
    }
  }
  return algorithms;
}

/**
 * Computes an RFC 9530 `Content-Digest` field value for the exact bytes of a message body, e.g.
 * `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:` for `{"hello": "world"}`. `hmacAuth` sets this
 * header itself when the signature covers `content-digest`; use this function to set or check it yourself.
 *
 * @throws {ConfigError} synchronously, for an unsupported algorithm.
 * @example
 * ```ts
 * const body = JSON.stringify({ amount: 100 });
 * headers.set('Content-Digest', await contentDigest(body));
 * ```
 */
export function contentDigest(body: ContentDigestInput, options: ContentDigestOptions = {}): Promise<string> {
  const algorithms = checkDigestAlgorithms(
    options.algorithms ?? ['sha-256'],
    'contentDigest: options.algorithms',
  );
  const bytes = bodyBytes(body);
  return (async () => {
    const members = new Map<string, SfMember>();
    for (const algorithm of algorithms) {
      members.set(algorithm, {
        kind: 'item',
        value: sfBytes(await hash(algorithm, bytes)),
        params: new Map(),
      });
    }
    return serializeDictionary(members);
  })();
}

/** Why a `Content-Digest` does not prove the body, or `'ok'`. */
export type DigestCheck = 'ok' | 'malformed' | 'unsupported' | 'mismatch';

/**
 * Checks a `Content-Digest` value against the body. Every digest in an algorithm we know must match, and at
 * least one must be known: an attacker cannot add a digest we would ignore to pass a changed body.
 */
export async function checkContentDigest(
  fieldValue: string,
  body: Uint8Array<ArrayBuffer>,
): Promise<DigestCheck> {
  const parsed = parseDictionary(fieldValue);
  if (typeof parsed === 'string') return 'malformed';
  let known = 0;
  for (const [key, member] of parsed) {
    if (!CONTENT_DIGEST_ALGORITHMS.includes(key as ContentDigestAlgorithm)) continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return 'malformed';
    known++;
    const expected = await hash(key as ContentDigestAlgorithm, body);
    if (!timingSafeEqual(expected, member.value.value)) return 'mismatch';
  }
  return known === 0 ? 'unsupported' : 'ok';
}
