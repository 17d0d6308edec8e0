/**
 * On Node, `node:crypto`'s synchronous hashes and HMACs cost a fraction of WebCrypto's asynchronous jobs
 * (each `crypto.subtle` call is a round trip through the thread pool). The module is reached through
 * `process.getBuiltinModule` (Node ≥ 22.3): a runtime lookup, not an import, so browser and edge bundles never
 * see it and this package stays WebCrypto-only everywhere else. Results are byte-identical either way.
 */

interface NativeHash {
  update(data: Uint8Array): NativeHash;
  digest(): Uint8Array;
}

interface NativeCrypto {
  createHash(algorithm: string): NativeHash;
  createHmac(algorithm: string, key: Uint8Array): NativeHash;
}

function loadNativeCrypto(): NativeCrypto | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const module = runtime?.getBuiltinModule?.('crypto') as Partial<NativeCrypto> | undefined;
    return typeof module?.createHmac === 'function' && typeof module.createHash === 'function'
      ? (module as NativeCrypto)
      : undefined;
  } catch {
    return undefined;
  }
}

const native: NativeCrypto | undefined = loadNativeCrypto();
// The raw bytes of HMAC keys this package imported itself (never of a CryptoKey the caller gave: those stay
// in WebCrypto, since a non-extractable key cannot and must not be read back).
const rawKeys = new WeakMap<CryptoKey, Uint8Array>();

/** Remembers the raw bytes behind an HMAC CryptoKey imported from them. */
export function rememberRawKey(key: CryptoKey, raw: Uint8Array): void {
  if (native !== undefined) rawKeys.set(key, raw);
}

const NATIVE_HASH: Readonly<Record<string, string>> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** A SHA-2 digest computed natively, or `undefined` when the platform has no native crypto. */
export function nativeDigest(hash: string, data: Uint8Array): Uint8Array | undefined {
  const name = NATIVE_HASH[hash];
  if (native === undefined || name === undefined) return undefined;
  return native.createHash(name).update(data).digest();
}

/** An HMAC computed natively with the bytes behind `key`, or `undefined` when they are not known here. */
export function nativeHmac(hash: string, key: CryptoKey, data: Uint8Array): Uint8Array | undefined {
  const name = NATIVE_HASH[hash];
  const raw = rawKeys.get(key);
  if (native === undefined || name === undefined || raw === undefined) return undefined;
  return native.createHmac(name, raw).update(data).digest();
}
