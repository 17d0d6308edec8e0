import type { X509Certificate } from 'node:crypto';
import type { ClientCertificateInfo } from '@attache/core';
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
