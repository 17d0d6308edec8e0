import type { X509Certificate } from 'node:crypto';
import { certificateThumbprint } from './certificate-thumbprint.ts';

/**
 * Public facts about a client certificate (never the key).
 *
 * @example
 * ```ts
 * const info = await transport.certificate();
 * if (info && Date.parse(info.notAfter) - Date.now() < 7 * 86_400_000) warn(`renew ${info.subject}`);
 * ```
 */
export interface ClientCertificateInfo {
  /** Subject distinguished name, e.g. `CN=acme-payments`. */
  readonly subject: string;
  /** Issuer distinguished name. */
  readonly issuer: string;
  /** Serial number, hex. */
  readonly serialNumber: string;
  /** Start of validity, ISO 8601. */
  readonly notBefore: string;
  /** End of validity, ISO 8601. */
  readonly notAfter: string;
  /** RFC 8705 `x5t#S256` thumbprint (see `certificateThumbprint`). */
  readonly thumbprint: string;
}

/**
 * What `mtlsTransport`'s `onEvent` receives. No event carries a key or a passphrase.
 *
 * - `mtls:credentials-loaded`: a new agent (generation) now serves new connections; `trigger` says why.
 * - `mtls:certificate-not-valid`: the client certificate just loaded is expired or not yet valid on this
 *   machine's clock; it is used anyway (the server decides, and clocks differ), but partners will refuse it.
 * - `mtls:reload-failed`: a reload (on the interval, after a rejection, or `reload()`) found new material
 *   that cannot be used (a key that is not the certificate's, a wrong passphrase …); the previous
 *   credentials stay in use and the check is repeated after `reloadInterval`.
 * - `mtls:agent-closed`: a retired agent finished its in-flight requests and closed its connections.
 *
 * @example
 * ```ts
 * mtlsTransport({ ..., onEvent: (event) => logger.info(event.type, event) });
 * ```
 */
export type MtlsEvent =
  | {
      readonly type: 'mtls:credentials-loaded';
      readonly generation: number;
      readonly trigger: 'initial' | 'interval' | 'manual' | 'rejected';
      /** The client certificate now in use, when there is one (PKCS#12 details may be unavailable). */
      readonly certificate: ClientCertificateInfo | undefined;
    }
  | {
      readonly type: 'mtls:certificate-not-valid';
      /** The generation that loaded it. */
      readonly generation: number;
      readonly reason: 'expired' | 'not-yet-valid';
      /** Start of validity, ISO 8601. */
      readonly notBefore: string;
      /** End of validity, ISO 8601. */
      readonly notAfter: string;
      /** The clock reading it was judged against, ISO 8601. */
      readonly checkedAt: string;
      readonly certificate: ClientCertificateInfo;
    }
  | {
      readonly type: 'mtls:reload-failed';
      /** The generation that stays in use. */
      readonly generation: number;
      readonly error: Error;
    }
  | { readonly type: 'mtls:agent-closed'; readonly generation: number };

/** Summarises a certificate for events and `transport.certificate()`. */
export function certificateInfo(certificate: X509Certificate | undefined): ClientCertificateInfo | undefined {
  if (certificate === undefined) return undefined;
  return {
    subject: certificate.subject.split('\n').join(', '),
    issuer: certificate.issuer.split('\n').join(', '),
    serialNumber: certificate.serialNumber,
    notBefore: certificate.validFromDate.toISOString(),
    notAfter: certificate.validToDate.toISOString(),
    thumbprint: certificateThumbprint(certificate),
  };
}

/** The `mtls:certificate-not-valid` event for a certificate outside its validity at `now`, else `undefined`. */
export function validityEvent(
  generation: number,
  certificate: X509Certificate | undefined,
  now: number,
): MtlsEvent | undefined {
  const info = certificateInfo(certificate);
  if (certificate === undefined || info === undefined) return undefined;
  const reason =
    now > certificate.validToDate.getTime()
      ? 'expired'
      : now < certificate.validFromDate.getTime()
        ? 'not-yet-valid'
        : undefined;
  if (reason === undefined) return undefined;
  return {
    type: 'mtls:certificate-not-valid',
    generation,
    reason,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    checkedAt: new Date(now).toISOString(),
    certificate: info,
  };
}
