import { createHash, X509Certificate } from 'node:crypto';
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { ConfigError } from '@attache/core';
import { TlsError } from './tls-error.ts';

/** Marks the errors our identity check returns, so they are recognised in a cause chain. */
export const PIN_MISMATCH_CODE = 'ERR_ATTACHE_PIN_MISMATCH';

const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;
const BASE64URL_DIGEST = /^[A-Za-z0-9_-]{43}$/;

/** The standard base64 form of a 32-byte digest written in any accepted notation, or undefined. */
function decodePin(pin: string): string | undefined {
  // A digest may itself begin with "/", so "sha256//x…" can be curl's prefix or OkHttp's prefix plus "/x…".
  for (const prefix of ['sha256//', 'sha256/', '']) {
    if (!pin.toLowerCase().startsWith(prefix)) continue;
    const bare = pin.slice(prefix.length);
    if (BASE64_DIGEST.test(bare)) return Buffer.from(bare, 'base64').toString('base64');
    if (BASE64URL_DIGEST.test(bare)) return Buffer.from(bare, 'base64url').toString('base64');
  }
  return undefined;
}

/**
 * Normalises SPKI SHA-256 pins to standard base64. Accepts plain base64 or base64url and the `sha256/`
 * (OkHttp) and `sha256//` (curl) prefixes.
 *
 * @throws {ConfigError} naming the pin that is not a base64 SHA-256 digest.
 */
export function normalizePins(pins: unknown): ReadonlySet<string> {
  if (!Array.isArray(pins) || pins.length === 0) {
    throw new ConfigError('pins must be a non-empty array of base64 SPKI SHA-256 digests');
  }
  const normalized = new Set<string>();
  pins.forEach((pin: unknown, i) => {
    if (typeof pin !== 'string') throw new ConfigError(`pins[${i}] must be a string`);
    const digest = decodePin(pin.trim());
    if (digest === undefined) {
      throw new ConfigError(`pins[${i}] is not a base64 SHA-256 digest (32 bytes) of a SubjectPublicKeyInfo`);
    }
    normalized.add(digest);
  });
  return normalized;
}

function pinOf(certificate: PeerCertificate): string | undefined {
  try {
    const spki = new X509Certificate(certificate.raw).publicKey.export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(spki).digest('base64');
  } catch {
    return undefined;
  }
}

/** The certificates the server presented, leaf first, as far as Node built the chain. */
function chainOf(leaf: PeerCertificate): PeerCertificate[] {
  const chain: PeerCertificate[] = [leaf];
  let current = leaf as DetailedPeerCertificate;
  for (let depth = 0; depth < 10; depth++) {
    const issuer = current.issuerCertificate;
    // A self-signed root is its own issuer.
    if (
      issuer === undefined ||
      issuer === current ||
      issuer.raw === undefined ||
      issuer.raw.equals(current.raw)
    )
      break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

/**
 * The `checkServerIdentity` of every connection: Node's host name check first, then (with pins) the
 * requirement that some certificate in the server's chain has a pinned public key. Runs once per new
 * connection, after the chain was verified against the trusted CAs.
 */
export function createServerIdentityCheck(
  pins: ReadonlySet<string> | undefined,
): (hostname: string, certificate: PeerCertificate) => Error | undefined {
  return (hostname, certificate) => {
    const identityError = checkServerIdentity(hostname, certificate);
    if (identityError !== undefined || pins === undefined) return identityError;
    const presented = chainOf(certificate).map(pinOf);
    if (presented.some((pin) => pin !== undefined && pins.has(pin))) return undefined;
    return new TlsError(
      'pin-mismatch',
      `The server's public key is not pinned: none of the ${presented.length} certificate(s) it presented for ${hostname} ` +
        `matches the ${pins.size} configured pin(s) (its leaf key pin is ${presented[0] ?? 'unreadable'}). ` +
        'Either the server changed its key (update pins) or this is not the expected server.',
      { tlsCode: PIN_MISMATCH_CODE },
    );
  };
}
