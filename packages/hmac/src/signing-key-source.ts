// Where a signer gets its key id and key: fixed, or from a provider read once and again when the partner
// rejects a signature, so a rotated signing key takes effect without rebuilding the client. The same
// single-read discipline as api-key's key source: concurrent rejections of one key share one provider read.
import { ConfigError, isAttacheError } from '@attache/core';
import { createProviderCache } from '@attache/core/internal';
import type { KeyEncoding, MessageParts } from './encoding.ts';
import {
  importPreparedKey,
  type KeyMaterial,
  type PreparedKey,
  prepareKey,
  type SignatureAlgorithm,
  signNow,
} from './signature-algorithm.ts';

/** A signing key with the id the partner knows it by. */
export interface SigningKey {
  /** The key id (printable ASCII). */
  readonly keyId: string;
  /** The key, as `hmacAuth`'s `key` takes it. */
  readonly key: KeyMaterial;
}

/** Reads the current signing key: from a vault, a file, a secrets manager. */
export type SigningKeyProvider = () => SigningKey | Promise<SigningKey>;

/** One key as read: its id and the imported key, made once. */
export interface SigningEntry {
  readonly keyId: string;
  readonly prepared: PreparedKey;
  /** Signs `data`: at once when the key is imported and the platform signs natively. */
  sign(data: Uint8Array<ArrayBuffer> | string | MessageParts): Uint8Array | Promise<Uint8Array>;
}

export interface SigningKeySource {
  readonly rotates: boolean;
  current(): SigningEntry | Promise<SigningEntry>;
  /** After `rejected` was refused: resolves `true` when another key is now current (replay worthwhile). */
  renew(rejected: SigningEntry | undefined): Promise<boolean>;
}

function fail(owner: string, message: string): never {
  throw new ConfigError(`${owner}: ${message}`);
}

const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** The options a signer takes its key from: `signingKey`, or `keyId` and `key`. */
export interface SigningKeyOptions {
  readonly keyId?: string;
  readonly key?: KeyMaterial;
  readonly signingKey?: SigningKeyProvider;
}

/** The provider or the fixed key the options name: the two ways are exclusive. */
function signingKeyInput(
  options: SigningKeyOptions,
  owner: string,
  checkKeyId: (keyId: unknown) => void,
): SigningKey | SigningKeyProvider {
  const provider = options.signingKey;
  if (provider !== undefined) {
    if (typeof provider !== 'function') fail(owner, 'signingKey must be a function returning { keyId, key }');
    if (options.keyId !== undefined || options.key !== undefined) {
      fail(owner, 'give either signingKey or keyId and key');
    }
    return provider;
  }
  checkKeyId(options.keyId);
  if (options.key === undefined || options.key === null) fail(owner, 'key is required');
  return { keyId: options.keyId as string, key: options.key };
}

function signingEntry(
  value: SigningKey,
  field: string,
  algorithm: SignatureAlgorithm,
  keyEncoding: KeyEncoding,
  owner: string,
): SigningEntry {
  if (typeof value !== 'object' || value === null) fail(owner, `${field}must be { keyId, key }`);
  if (typeof value.keyId !== 'string' || !PRINTABLE.test(value.keyId)) {
    fail(owner, `${field}keyId must be a non-empty printable ASCII string`);
  }
  if (value.key === undefined || value.key === null) fail(owner, `${field}key is required`);
  const prepared = prepareKey(value.key, algorithm, 'sign', keyEncoding, `${owner}: ${field}key`);
  let imported: Promise<CryptoKey> | undefined;
  let importedKey: CryptoKey | undefined;
  return {
    keyId: value.keyId,
    prepared,
    sign(data) {
      if (importedKey !== undefined) return signNow(algorithm, importedKey, data);
      imported ??= importPreparedKey(prepared, algorithm, 'sign').then(
        (key) => {
          importedKey = key;
          return key;
        },
        (cause: unknown) => {
          // A typed cause (the runtime lacks the algorithm) says what to do: its message is kept.
          const why = isAttacheError(cause) ? `: ${cause.message}` : '';
          throw new ConfigError(`${owner}: ${field}key could not be imported for ${algorithm}${why}`, {
            cause,
          });
        },
      );
      return imported.then((key) => signNow(algorithm, key, data));
    },
  };
}

/**
 * The key source a signer's options name (`signingKey`, or `keyId` and `key`), checked at once; `checkKeyId`
 * throws when the scheme cannot carry the key id.
 */
export function createSigningKeySource(
  options: SigningKeyOptions,
  checkKeyId: (keyId: unknown) => void,
  algorithm: SignatureAlgorithm,
  keyEncoding: KeyEncoding,
  owner: string,
): SigningKeySource {
  const input = signingKeyInput(options, owner, checkKeyId);
  if (typeof input !== 'function') {
    const fixed = signingEntry(input, '', algorithm, keyEncoding, owner);
    return { rotates: false, current: () => fixed, renew: async () => false };
  }
  return providerSource(input, algorithm, keyEncoding, owner);
}

function providerSource(
  provider: SigningKeyProvider,
  algorithm: SignatureAlgorithm,
  keyEncoding: KeyEncoding,
  owner: string,
): SigningKeySource {
  const cache = createProviderCache<SigningEntry>(
    provider,
    (value, previous) => {
      const fresh = signingEntry(value as SigningKey, 'signingKey(): ', algorithm, keyEncoding, owner);
      // The same key read again keeps its imported CryptoKey.
      return previous !== undefined && sameKey(previous, fresh) ? previous : fresh;
    },
    `${owner}: the signing key provider failed`,
  );
  return {
    rotates: true,
    current: () => cache.settled() ?? cache.current(),
    renew: (rejected) => cache.renew(rejected),
  };
}

function sameKey(a: SigningEntry, b: SigningEntry): boolean {
  if (a.keyId !== b.keyId) return false;
  const x = a.prepared;
  const y = b.prepared;
  if (x.format === 'key') return y.format === 'key' && x.key === y.key;
  if (x.format === 'jwk') return y.format === 'jwk' && JSON.stringify(x.data) === JSON.stringify(y.data);
  if (y.format === 'key' || y.format === 'jwk' || x.format !== y.format) return false;
  const other = y.data;
  return x.data.length === other.length && x.data.every((byte, i) => byte === other[i]);
}
