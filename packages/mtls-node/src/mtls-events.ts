import type { X509Certificate } from 'node:crypto';
import type { ClientCertificateInfo, MtlsEvent } from '@attache/core';
import { certificateThumbprint } from './certificate-thumbprint.ts';

export type { ClientCertificateInfo, MtlsEvent } from '@attache/core';

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
