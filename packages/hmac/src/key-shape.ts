// Recognises key material that is a public or private key (or a certificate) rather than a shared secret.
// Such material must never become an HMAC key: a verifier given a partner's public key as an "HMAC secret"
// accepts MACs from anyone who has that public key, which is everyone. The checks are structural (PEM armour,
// JWK members, a DER SEQUENCE of the shapes keys are stored in), so a random secret never matches them.
import { decodeBytes } from './encoding.ts';

const PEM = /-----BEGIN ([A-Z0-9 ]{1,40})-----/;
const OPENSSH =
  /^(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA/;

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** One DER tag-length-value at `offset`, or `undefined` when it does not fit in `limit`. */
function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset]!;
  // Multi-byte tags do not occur in key structures.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

/** The children of a constructed TLV, or `undefined` when they do not tile its content exactly. */
function children(bytes: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const list: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(bytes, offset, parent.end);
    if (child === undefined) return undefined;
    list.push(child);
    offset = child.end;
  }
  return list;
}

/** `SEQUENCE { OBJECT IDENTIFIER, ... }`: an AlgorithmIdentifier. */
function isAlgorithmIdentifier(bytes: Uint8Array, tlv: Tlv | undefined): boolean {
  if (tlv?.tag !== SEQUENCE) return false;
  const inner = children(bytes, tlv);
  return inner !== undefined && inner[0]?.tag === OID;
}

/**
 * What DER key structure `bytes` hold, or `undefined` when they are not one: SubjectPublicKeyInfo, PKCS #8
 * (plain or encrypted), an X.509 certificate, PKCS #1 RSA keys and SEC 1 EC private keys.
 */
export function derKeyShape(bytes: Uint8Array): string | undefined {
  const outer = readTlv(bytes, 0, bytes.length);
  if (outer?.tag !== SEQUENCE || outer.end !== bytes.length) return undefined;
  const parts = children(bytes, outer);
  if (parts === undefined || parts.length < 2) return namesAsymmetricAlgorithm(bytes);
  const tags = parts.map((part) => part.tag);
  const [first, second, third] = parts;
  if (parts.length === 2 && isAlgorithmIdentifier(bytes, first) && second!.tag === BIT_STRING) {
    return 'a DER SubjectPublicKeyInfo (public key)';
  }
  if (parts.length === 2 && isAlgorithmIdentifier(bytes, first) && second!.tag === OCTET_STRING) {
    return 'a DER encrypted PKCS #8 private key';
  }
  if (
    first!.tag === INTEGER &&
    isAlgorithmIdentifier(bytes, second) &&
    (third?.tag === OCTET_STRING || third?.tag === BIT_STRING)
  ) {
    return 'a DER PKCS #8 private key';
  }
  if (
    parts.length === 3 &&
    first!.tag === SEQUENCE &&
    isAlgorithmIdentifier(bytes, second) &&
    third!.tag === BIT_STRING
  ) {
    return 'a DER X.509 certificate';
  }
  if (tags.every((tag) => tag === INTEGER)) return 'a DER PKCS #1 RSA key';
  if (first!.tag === INTEGER && second!.tag === OCTET_STRING && tags.slice(2).every((t) => t >= 0xa0)) {
    return 'a DER SEC 1 EC private key';
  }
  return namesAsymmetricAlgorithm(bytes);
}

/**
 * A damaged structure (one byte off) still names its algorithm: an asymmetric key's OID inside a DER
 * SEQUENCE is never a secret someone chose.
 */
function namesAsymmetricAlgorithm(bytes: Uint8Array): string | undefined {
  return ASYMMETRIC_OIDS.some((oid) => contains(bytes, oid))
    ? 'DER data naming a public-key algorithm'
    : undefined;
}

// DER-encoded OBJECT IDENTIFIERs (tag, length, value) of the asymmetric key and signature algorithms.
const ASYMMETRIC_OIDS: readonly Uint8Array[] = [
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01], // rsaEncryption
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a], // RSASSA-PSS
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b], // sha256WithRSAEncryption
  [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01], // ecPublicKey
  [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02], // ecdsa-with-SHA256
  [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03], // ecdsa-with-SHA384
  [0x06, 0x03, 0x2b, 0x65, 0x70], // Ed25519
  [0x06, 0x03, 0x2b, 0x65, 0x6e], // X25519
].map((oid) => Uint8Array.from(oid));

function contains(bytes: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function jwkShape(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kty = (value as { kty?: unknown }).kty;
  if (typeof kty !== 'string') return undefined;
  return kty === 'oct' ? 'a JWK written as text' : `a JWK of kty "${kty}"`;
}

/**
 * What public or private key `text` holds (PEM, an OpenSSH public key, a JWK as JSON, or the base64/hex of a
 * DER key), or `undefined` when it is not one. Never returns any part of the text beyond a PEM label.
 */
export function textKeyShape(text: string): string | undefined {
  const pem = PEM.exec(text);
  if (pem) return `a PEM block ("-----BEGIN ${pem[1]}-----")`;
  const trimmed = text.trim();
  if (OPENSSH.test(trimmed)) return 'an OpenSSH public key';
  if (trimmed.startsWith('{')) {
    try {
      const shape = jwkShape(JSON.parse(trimmed));
      if (shape !== undefined) return shape;
    } catch {
      // Not JSON: an ordinary secret that starts with a brace.
    }
  }
  const compact = trimmed.replace(/\s+/g, '');
  for (const encoding of ['base64', 'base64url', 'hex'] as const) {
    const bytes = decodeBytes(compact, encoding);
    const shape = bytes === undefined ? undefined : derKeyShape(bytes);
    if (shape !== undefined) return `the ${encoding} of ${shape}`;
  }
  return undefined;
}

/** {@link derKeyShape}, or {@link textKeyShape} of the bytes read as UTF-8 (a PEM file read as bytes). */
export function bytesKeyShape(bytes: Uint8Array): string | undefined {
  return derKeyShape(bytes) ?? textKeyShape(new TextDecoder().decode(bytes));
}

/** {@link textKeyShape} of an `oct` JWK's `k`, decoded: a DER key hidden in a symmetric JWK. */
export function octJwkShape(jwk: JsonWebKey): string | undefined {
  if (typeof jwk.k !== 'string') return undefined;
  const bytes = decodeBytes(jwk.k, 'base64url');
  const shape = bytes === undefined ? undefined : bytesKeyShape(bytes);
  return shape === undefined ? undefined : `an "oct" JWK whose k is ${shape}`;
}
