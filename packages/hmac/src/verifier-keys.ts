// The keys a verifier checks signatures with: by key id, several per id during a rotation, each with its
// algorithm, imported once.
import { ConfigError, isAttacheError, type Secret } from '@attache/core';
import { checkKeyEncoding, type KeyEncoding } from './encoding.ts';
import {
  checkAlgorithm,
  importPreparedKey,
  type KeyMaterial,
  type PreparedKey,
  prepareKey,
  type SignatureAlgorithm,
  verifyBytes,
} from './signature-algorithm.ts';

/** A verification key with its algorithm. Plain strings, `Secret`s and bytes are `hmac-sha256` secrets. */
export interface HmacVerifierKey {
  /**
   * HMAC: the shared secret (string, `Secret`, bytes, `CryptoKey`, `oct` JWK). Asymmetric: the public key
   * as a `CryptoKey`, a JWK (private members are ignored) or an SPKI PEM.
   */
  readonly key: KeyMaterial;
  /** Default `'hmac-sha256'`. */
  readonly algorithm?: SignatureAlgorithm;
  /** How a string HMAC secret becomes bytes. Default: the verifier's `keyEncoding`. */
  readonly keyEncoding?: KeyEncoding;
}

/** A verification key: an HMAC-SHA256 secret as a string, `Secret` or bytes, or a key with its algorithm. */
export type HmacVerifierKeyInput = string | Secret | Uint8Array | HmacVerifierKey;

/** Looks keys up by key id; `undefined` (or an empty list) for an unknown key id. */
export type HmacKeyLookup = (
  keyId: string,
) =>
  | HmacVerifierKeyInput
  | readonly HmacVerifierKeyInput[]
  | undefined
  | Promise<HmacVerifierKeyInput | readonly HmacVerifierKeyInput[] | undefined>;

export interface KeyEntry {
  readonly algorithm: SignatureAlgorithm;
  readonly key: () => Promise<CryptoKey>;
}

function fail(message: string): never {
  throw new ConfigError(`createHmacVerifier: ${message}`);
}

/**
 * One key, checked at once and imported on first use. `field` names it in errors, with the factory's name: a
 * key that cannot be imported is a misconfiguration, not a bad signature.
 */
export function keyEntry(
  input: HmacVerifierKeyInput,
  keyEncoding: KeyEncoding,
  allowed: readonly SignatureAlgorithm[],
  field: string,
): KeyEntry {
  const spec: HmacVerifierKey =
    typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'key' in input
      ? input
      : { key: input as KeyMaterial };
  const algorithm = checkAlgorithm(spec.algorithm ?? 'hmac-sha256', allowed, `${field}.algorithm`);
  const encoding = checkKeyEncoding(spec.keyEncoding ?? keyEncoding, `${field}.keyEncoding`);
  const prepared: PreparedKey = prepareKey(spec.key, algorithm, 'verify', encoding, field);
  let imported: Promise<CryptoKey> | undefined;
  return {
    algorithm,
    key: () => {
      imported ??= importPreparedKey(prepared, algorithm, 'verify').catch((cause: unknown) => {
        const why = isAttacheError(cause) ? `: ${cause.message}` : '';
        throw new ConfigError(`${field} could not be imported for ${algorithm}${why}`, {
          cause,
        });
      });
      return imported;
    },
  };
}

/** Keys by key id, from a record checked at once or from the caller's lookup. */
export function keyLookup(
  keys: Readonly<Record<string, HmacVerifierKeyInput | readonly HmacVerifierKeyInput[]>> | HmacKeyLookup,
  keyEncoding: KeyEncoding,
  allowed: readonly SignatureAlgorithm[],
): (keyId: string) => Promise<readonly KeyEntry[]> {
  const toList = (value: HmacVerifierKeyInput | readonly HmacVerifierKeyInput[] | undefined) =>
    value === undefined
      ? []
      : Array.isArray(value)
        ? (value as readonly HmacVerifierKeyInput[])
        : [value as HmacVerifierKeyInput];
  if (typeof keys === 'function') {
    return async (keyId) =>
      toList(await keys(keyId)).map((input, i) =>
        keyEntry(input, keyEncoding, allowed, `createHmacVerifier: keys("${keyId}")[${i}]`),
      );
  }
  if (typeof keys !== 'object' || keys === null) {
    fail('keys must be a record of key id → key(s), or a lookup function');
  }
  const table = new Map<string, readonly KeyEntry[]>();
  for (const [keyId, value] of Object.entries(keys)) {
    const list = toList(value);
    if (list.length === 0) fail(`keys["${keyId}"] is empty`);
    table.set(
      keyId,
      list.map((input, i) =>
        keyEntry(input, keyEncoding, allowed, `createHmacVerifier: keys["${keyId}"][${i}]`),
      ),
    );
  }
  if (table.size === 0) fail('keys must name at least one key id');
  return async (keyId) => table.get(keyId) ?? [];
}

/** The first of `entries` whose key verifies `signature` over `data`. */
export async function verifyWithAny(
  entries: readonly KeyEntry[],
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array,
): Promise<KeyEntry | undefined> {
  for (const entry of entries) {
    if (await verifyBytes(entry.algorithm, await entry.key(), data, signature)) return entry;
  }
  return undefined;
}
