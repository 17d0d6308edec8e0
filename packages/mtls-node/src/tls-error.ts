import { AttacheError, type AttacheErrorOptions } from '@attache/core';
import { isBrandedError } from '@attache/core/internal';

/**
 * Why a TLS connection or the client credentials failed, in terms a person can act on.
 *
 * Client credentials (checked when they are loaded):
 * - `'bad-passphrase'`: the PKCS#12 file or the encrypted key needs a passphrase and it is missing or wrong
 *   (for PKCS#12 a failed integrity check (MAC) reads the same: wrong passphrase or a damaged file).
 * - `'bad-pkcs12'`: the PKCS#12 (`.p12`/`.pfx`) data is not a readable PKCS#12 file.
 * - `'invalid-credentials'`: a PEM certificate, key or CA cannot be parsed (the message names which).
 * - `'key-mismatch'`: the private key does not belong to the certificate.
 *
 * Our client certificate, as judged by the server:
 * - `'client-certificate-required'`: the server demands a client certificate and none was sent.
 * - `'client-certificate-rejected'`: the server refused the certificate sent (unknown issuer, revoked, not
 *   allowed for this client …); the message says what the server answered.
 * - `'certificate-expired'` / `'certificate-not-yet-valid'`: the client certificate is outside its validity
 *   period (said by the server, or the server closed the handshake and the certificate is expired locally).
 *
 * The server's certificate, as judged by us:
 * - `'unknown-ca'`: the server's certificate is not signed by a CA in `ca` (or the system roots).
 * - `'server-certificate-expired'`, `'server-certificate-invalid'` (not yet valid, revoked, wrong purpose …).
 * - `'hostname-mismatch'`: the server's certificate does not name the host connected to.
 * - `'pin-mismatch'`: no certificate in the server's chain has a public key listed in `pins`.
 *
 * Anything else:
 * - `'protocol-mismatch'`: no common TLS version or cipher, or the port does not speak TLS.
 * - `'handshake-failed'`: another handshake failure; `tlsCode` and `cause` say more.
 */
export type TlsErrorReason =
  | 'bad-passphrase'
  | 'bad-pkcs12'
  | 'invalid-credentials'
  | 'key-mismatch'
  | 'client-certificate-required'
  | 'client-certificate-rejected'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'unknown-ca'
  | 'server-certificate-expired'
  | 'server-certificate-invalid'
  | 'hostname-mismatch'
  | 'pin-mismatch'
  | 'protocol-mismatch'
  | 'handshake-failed';

/** Options of {@link TlsError}. */
export interface TlsErrorOptions extends AttacheErrorOptions {
  /** `host:port` of the server, when the failure happened on a connection. */
  readonly host?: string | undefined;
  /** The OpenSSL or Node code that decided the reason, e.g. `CERT_HAS_EXPIRED`. */
  readonly tlsCode?: string | undefined;
}

/**
 * A TLS connection could not be made, or the client certificate material is unusable. `reason` says what to
 * fix; `cause` keeps the whole chain of underlying errors (undici's, Node's, OpenSSL's). Never retried by
 * the pipeline: the same call would fail the same way. Messages never contain keys or passphrases.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('accounts').json();
 * } catch (error) {
 *   if (error instanceof TlsError && error.reason === 'certificate-expired') alertOps(error.message);
 *   throw error;
 * }
 * ```
 */
export class TlsError extends AttacheError {
  override name = 'TlsError' as const;
  override readonly code = 'TLS' as const;
  /** What went wrong; see {@link TlsErrorReason}. */
  readonly reason: TlsErrorReason;
  /** `host:port` of the server, when the failure happened on a connection. */
  readonly host: string | undefined;
  /** The OpenSSL or Node code that decided the reason, e.g. `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`. */
  readonly tlsCode: string | undefined;

  constructor(reason: TlsErrorReason, message: string, options: TlsErrorOptions = {}) {
    super('TLS', message, options, false);
    this.reason = reason;
    this.host = options.host;
    this.tlsCode = options.tlsCode;
  }
}

/** True for a {@link TlsError}, including one from another copy of this package. */
export function isTlsError(value: unknown): value is TlsError {
  return isBrandedError(value, TlsError, ['TLS']);
}
