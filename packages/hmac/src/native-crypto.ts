/**
 * On Node, `node:crypto`'s synchronous hashes and HMACs cost a fraction of WebCrypto's asynchronous jobs
 * (each `crypto.subtle` call is a round trip through the thread pool). The module is reached through
 * `process.getBuiltinModule` (Node ≥ 22.3): a runtime lookup, not an import, so browser and edge bundles never
 * see it and this package stays WebCrypto-only everywhere else. Results are byte-identical either way.
 */

interface NativeHash {
  update(data: Uint8Array | string): NativeHash;
  digest(): Uint8Array;
}

/** A `node:crypto` secret KeyObject, opaque here. */
type NativeKey = object;

interface NativeCrypto {
  createHash(algorithm: string): NativeHash;
  createHmac(algorithm: string, key: NativeKey): NativeHash;
  // A KeyObject made once: `createHmac` with raw bytes re-checks them as a key on every call, which costs
  // more than the HMAC itself (docs/performance.md).
  createSecretKey(key: Uint8Array): NativeKey;
}

interface NativeBuffer {
  from(
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): { toString(encoding: 'base64' | 'hex'): string };
}

function loadNativeCrypto(): NativeCrypto | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const module = runtime?.getBuiltinModule?.('crypto') as Partial<NativeCrypto> | undefined;
    return typeof module?.createHmac === 'function' &&
      typeof module.createHash === 'function' &&
      typeof module.createSecretKey === 'function'
      ? (module as NativeCrypto)
      : undefined;
  } catch {
    return undefined;
  }
}

function loadNativeBuffer(): NativeBuffer | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const module = runtime?.getBuiltinModule?.('buffer') as { Buffer?: NativeBuffer } | undefined;
    return typeof module?.Buffer?.from === 'function' ? module.Buffer : undefined;
  } catch {
    return undefined;
  }
}

const native: NativeCrypto | undefined = loadNativeCrypto();
const nativeBuffer: NativeBuffer | undefined = loadNativeBuffer();
// Native keys made from the raw bytes of HMAC keys this package imported itself (never of a CryptoKey the
// caller gave: those stay in WebCrypto, since a non-extractable key cannot and must not be read back).
const rawKeys = new WeakMap<CryptoKey, NativeKey>();

/** Remembers the raw bytes behind an HMAC CryptoKey imported from them, as a native key. */
export function rememberRawKey(key: CryptoKey, raw: Uint8Array): void {
  if (native !== undefined) rawKeys.set(key, native.createSecretKey(raw));
}

/**
 * Base64 (padded) or lower-case hex by the platform's own encoder (`Uint8Array.prototype.toBase64`/`toHex`, or
 * Node's Buffer); `undefined` where there is none.
 */
export function nativeEncode(bytes: Uint8Array, encoding: 'base64' | 'hex'): string | undefined {
  const own = (bytes as Uint8Array & { toBase64?: () => string; toHex?: () => string })[
    encoding === 'base64' ? 'toBase64' : 'toHex'
  ];
  if (typeof own === 'function') return own.call(bytes);
  return nativeBuffer?.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
}

const NATIVE_HASH: Readonly<Record<string, string>> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** A SHA-2 digest computed natively (text as UTF-8), or `undefined` when the platform has no native crypto. */
export function nativeDigest(hash: string, data: Uint8Array | string): Uint8Array | undefined {
  const name = NATIVE_HASH[hash];
  if (native === undefined || name === undefined) return undefined;
  return native.createHash(name).update(data).digest();
}

/**
 * An HMAC computed natively with the bytes behind `key`, or `undefined` when they are not known here. A list is
 * fed part by part, as if concatenated.
 */
export function nativeHmac(
  hash: string,
  key: CryptoKey,
  data: Uint8Array | string | readonly (Uint8Array | string)[],
): Uint8Array | undefined {
  const name = NATIVE_HASH[hash];
  const raw = rawKeys.get(key);
  if (native === undefined || name === undefined || raw === undefined) return undefined;
  const hmac = native.createHmac(name, raw);
  if (typeof data === 'string' || data instanceof Uint8Array) return hmac.update(data).digest();
  for (const part of data) hmac.update(part);
  return hmac.digest();
}
