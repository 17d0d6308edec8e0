import { ConfigError } from '@attache/core';
import { nativeEncode } from './native-crypto.ts';

/** How bytes are written as text in a header: signatures and body digests. */
export type Encoding = 'hex' | 'base64' | 'base64url';

/** How a string key is turned into key bytes: its UTF-8 bytes, or decoded from hex or base64. */
export type KeyEncoding = 'utf8' | Encoding;

export const ENCODINGS: readonly Encoding[] = ['hex', 'base64', 'base64url'];
export const KEY_ENCODINGS: readonly KeyEncoding[] = ['utf8', 'hex', 'base64', 'base64url'];

/** Throws a `ConfigError` naming `field` unless `value` is a key encoding. */
export function checkKeyEncoding(value: unknown, field: string): KeyEncoding {
  if (!KEY_ENCODINGS.includes(value as KeyEncoding)) {
    throw new ConfigError(`${field} must be one of ${KEY_ENCODINGS.join(', ')}`);
  }
  return value as KeyEncoding;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function toBase64(bytes: Uint8Array): string {
  const fast = nativeEncode(bytes, 'base64');
  if (fast !== undefined) return fast;
  let binary = '';
  // Chunked so a large body does not overflow the argument limit of String.fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  try {
    const binary = atob(unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/** Writes bytes as hex (lower case), base64 (padded) or base64url (unpadded). */
export function encodeBytes(bytes: Uint8Array, encoding: Encoding): string {
  switch (encoding) {
    case 'hex': {
      const fast = nativeEncode(bytes, 'hex');
      if (fast !== undefined) return fast;
      let out = '';
      for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
      return out;
    }
    case 'base64':
      return toBase64(bytes);
    case 'base64url':
      return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
}

/** Reads text written by {@link encodeBytes}; `undefined` when it is not valid in that encoding. */
export function decodeBytes(text: string, encoding: Encoding): Uint8Array<ArrayBuffer> | undefined {
  switch (encoding) {
    case 'hex': {
      if (!HEX.test(text)) return undefined;
      const bytes = new Uint8Array(text.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
      return bytes;
    }
    case 'base64':
      return BASE64.test(text) ? fromBase64(text) : undefined;
    case 'base64url':
      return BASE64URL.test(text) ? fromBase64(text.replace(/-/g, '+').replace(/_/g, '/')) : undefined;
  }
}

/**
 * A message to sign made of text and byte parts, concatenated (text as UTF-8): a signer that covers raw body
 * bytes hands them over without copying them into one buffer first.
 */
export type MessageParts = readonly (string | Uint8Array<ArrayBuffer>)[];

const encoder = new TextEncoder();

/**
 * The UTF-8 bytes of a string; bytes (a message to sign that is already binary) pass through as they are, and
 * parts are concatenated.
 */
export function utf8(text: string | Uint8Array<ArrayBuffer> | MessageParts): Uint8Array<ArrayBuffer> {
  if (typeof text === 'string') return encoder.encode(text);
  if (text instanceof Uint8Array) return text;
  const chunks = text.map((part) => (typeof part === 'string' ? encoder.encode(part) : part));
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Copies any byte view into a fresh `Uint8Array` backed by an `ArrayBuffer`, as WebCrypto wants. */
export function ownBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array<ArrayBuffer> {
  return bytes instanceof ArrayBuffer ? new Uint8Array(bytes.slice(0)) : new Uint8Array(bytes);
}
