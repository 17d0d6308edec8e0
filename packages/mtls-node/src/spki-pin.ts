import { createHash } from 'node:crypto';
import { type CertificateInput, toX509 } from './certificate-input.ts';

/**
 * The SPKI SHA-256 pin of a certificate: base64 of the SHA-256 of its DER SubjectPublicKeyInfo, the value
 * `mtlsTransport({ pins })` expects (the same as HPKP's `pin-sha256`, curl's `sha256//…` and OkHttp's
 * `sha256/…`). A pin survives certificate renewal as long as the key pair is kept.
 *
 * The shell equivalent:
 * `openssl x509 -in server.crt -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`
 *
 * @throws {ConfigError} when `certificate` is not a readable certificate.
 * @example
 * ```ts
 * const pin = spkiPin(readFileSync('partner-server.crt', 'utf8'));
 * const transport = mtlsTransport({ cert, key, pins: [pin, backupPin] });
 * ```
 */
export function spkiPin(certificate: CertificateInput): string {
  const spki = toX509(certificate, 'certificate').publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
