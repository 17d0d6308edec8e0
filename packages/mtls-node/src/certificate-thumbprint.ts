import { createHash } from 'node:crypto';
import { type CertificateInput, toX509 } from './certificate-input.ts';

/**
 * The RFC 8705 certificate thumbprint `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's
 * DER encoding. Compare it with the `cnf["x5t#S256"]` claim of a certificate-bound access token.
 *
 * @param certificate PEM text (the first certificate is used), DER bytes, an `X509Certificate`, or a peer
 *   certificate from `tlsSocket.getPeerCertificate()`.
 * @throws {ConfigError} when `certificate` is not a readable certificate.
 * @example
 * ```ts
 * const claims = decodeJwt(accessToken);
 * const bound = claims.cnf?.['x5t#S256'] === certificateThumbprint(readFileSync('client.crt', 'utf8'));
 * ```
 */
export function certificateThumbprint(certificate: CertificateInput): string {
  const der = toX509(certificate, 'certificate').raw;
  return createHash('sha256').update(der).digest('base64url');
}
