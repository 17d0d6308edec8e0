import { ConfigError, type WebCryptoKey } from '@attache/core';
import { fromBase64Url, toBase64Url } from './base64url.ts';

/**
 * An AES-GCM key: 16 or 32 raw bytes (AES-128 or AES-256; 32 is the better choice), or a WebCrypto
 * `CryptoKey` for `AES-GCM` that allows `encrypt` and `decrypt` (only `decrypt` for previous keys).
 */
export type EncryptionKeyInput = WebCryptoKey | Uint8Array | ArrayBuffer;

/**
 * Encrypts entries before they reach Redis, with AES-GCM through WebCrypto (`crypto.subtle`).
 *
 * @example
 * ```ts
 * // A 32-byte key, kept outside Redis (a secret manager, an environment variable).
 * const encryption = { key: Buffer.from(process.env.TOKEN_STORE_KEY!, 'base64') };
 * ```
 */
export interface EntryEncryptionOptions {
  /** Encrypts every entry written, and decrypts. */
  readonly key: EncryptionKeyInput;
  /**
   * Keys that only decrypt: entries written before a key rotation stay readable until they expire (at most
   * one token lifetime). Tried after `key`, in order. Default none.
   */
  readonly previousKeys?: readonly EncryptionKeyInput[];
}

/** Seals and opens store entries. Entries are bound to their cache key: one moved to another key is refused. */
export interface EntryCipher {
  seal(cacheKey: string, entry: string): Promise<string>;
  /** The entry, or `undefined` when no key opens it (another key, tampered with, or not encrypted). */
  open(cacheKey: string, sealed: string): Promise<string | undefined>;
}

// Format marker and version, so a later format can be told apart (and a plaintext entry never parses).
const PREFIX = 'aes-gcm.1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_CONTEXT = 'attache-token-store-redis/1\u0000';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isCryptoKey(value: unknown): value is CryptoKey {
  if (typeof CryptoKey === 'function' && value instanceof CryptoKey) return true;
  // A CryptoKey from another realm (a vm context, a polyfill).
  const candidate = value as Partial<CryptoKey> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.type === 'string' &&
    typeof candidate.algorithm === 'object' &&
    Array.isArray(candidate.usages)
  );
}

function importKey(input: unknown, field: string, encrypts: boolean): Promise<CryptoKey> {
  if (isCryptoKey(input)) {
    if (input.type !== 'secret' || input.algorithm.name !== 'AES-GCM') {
      throw new ConfigError(`createRedisTokenStore: ${field} must be an AES-GCM secret key`);
    }
    for (const usage of encrypts ? (['encrypt', 'decrypt'] as const) : (['decrypt'] as const)) {
      if (!input.usages.includes(usage)) {
        throw new ConfigError(`createRedisTokenStore: ${field} must allow the "${usage}" usage`);
      }
    }
    return Promise.resolve(input);
  }
  let bytes: Uint8Array<ArrayBuffer>;
  if (input instanceof ArrayBuffer) bytes = new Uint8Array(input.slice(0));
  else if (input instanceof Uint8Array) bytes = new Uint8Array(input);
  else {
    throw new ConfigError(
      `createRedisTokenStore: ${field} must be 16 or 32 raw bytes (a Uint8Array) or a CryptoKey`,
    );
  }
  if (bytes.length !== 16 && bytes.length !== 32) {
    throw new ConfigError(
      `createRedisTokenStore: ${field} must be 16 or 32 bytes long (AES-128 or AES-256), got ${bytes.length}`,
    );
  }
  // Imported at once and not extractable. importKey copies the bytes before it returns, so our copy is
  // wiped right away and the raw key lives on only inside WebCrypto.
  const imported = crypto.subtle.importKey('raw', bytes, { name: 'AES-GCM' }, false, [
    ...(encrypts ? (['encrypt'] as const) : []),
    'decrypt',
  ]);
  bytes.fill(0);
  imported.catch(() => undefined);
  return imported;
}

function additionalData(cacheKey: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(AAD_CONTEXT + cacheKey);
}

/** Builds the cipher, checking every key at once. @throws {ConfigError} naming the faulty key. */
export function createEntryCipher(options: EntryEncryptionOptions): EntryCipher {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createRedisTokenStore: encryption must be an object with a key');
  }
  if (typeof globalThis.crypto?.subtle?.encrypt !== 'function') {
    throw new ConfigError('createRedisTokenStore: encryption needs WebCrypto (globalThis.crypto.subtle)');
  }
  const previous = options.previousKeys ?? [];
  if (!Array.isArray(previous)) {
    throw new ConfigError('createRedisTokenStore: encryption.previousKeys must be an array of keys');
  }
  const current = importKey(options.key, 'encryption.key', true);
  const keys = [
    current,
    ...previous.map((key: unknown, i: number) => importKey(key, `encryption.previousKeys[${i}]`, false)),
  ];

  return {
    async seal(cacheKey, entry) {
      // A fresh random IV per value: GCM must never reuse an IV under one key.
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: additionalData(cacheKey), tagLength: TAG_BYTES * 8 },
        await current,
        encoder.encode(entry),
      );
      const out = new Uint8Array(IV_BYTES + sealed.byteLength);
      out.set(iv, 0);
      out.set(new Uint8Array(sealed), IV_BYTES);
      return PREFIX + toBase64Url(out);
    },
    async open(cacheKey, sealed) {
      if (!sealed.startsWith(PREFIX)) return undefined;
      const bytes = fromBase64Url(sealed.slice(PREFIX.length));
      if (bytes === undefined || bytes.length < IV_BYTES + TAG_BYTES) return undefined;
      const iv = bytes.subarray(0, IV_BYTES);
      const data = bytes.subarray(IV_BYTES);
      const aad = additionalData(cacheKey);
      for (const key of keys) {
        try {
          const plain = await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv, additionalData: aad, tagLength: TAG_BYTES * 8 },
            await key,
            data,
          );
          return decoder.decode(plain);
        } catch {
          // Not this key (or tampered with): try the next one.
        }
      }
      return undefined;
    },
  };
}
