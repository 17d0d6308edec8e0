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
  createHmac(algorithm: string, key: unknown): NativeHash;
  KeyObject: { from(key: CryptoKey): unknown };
}

function loadNativeCrypto(): NativeCrypto | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const module = runtime?.getBuiltinModule?.('crypto') as Partial<NativeCrypto> | undefined;
    return typeof module?.createHmac === 'function' && typeof module.KeyObject?.from === 'function'
      ? (module as NativeCrypto)
      : undefined;
  } catch {
    return undefined;
  }
}

const native: NativeCrypto | undefined = loadNativeCrypto();
const keyObjects = new WeakMap<CryptoKey, unknown>();

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

/** An HMAC computed natively with the same (possibly non-extractable) CryptoKey, or `undefined`. */
export function nativeHmac(hash: string, key: CryptoKey, data: Uint8Array): Uint8Array | undefined {
  const name = NATIVE_HASH[hash];
  if (native === undefined || name === undefined) return undefined;
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = native.KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return native.createHmac(name, keyObject).update(data).digest();
}
