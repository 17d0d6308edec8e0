import type { X509Certificate } from 'node:crypto';
import type { RedactedRequest } from '@attache/core';
import { describeCertificate, validityOf } from './classify-failure.ts';
import { TlsError } from './tls-error.ts';

/** What the transport knows when a proxy answers. */
export interface ProxyAnswerContext {
  /** `host:port` of the server. */
  readonly host: string;
  /** A redacted, header-free snapshot of the request. */
  readonly request: RedactedRequest;
  /** The client certificate the connection presented, when there is one and it is readable. */
  readonly certificate: X509Certificate | undefined;
  /** Whether a client certificate is configured at all. */
  readonly hasClientCertificate: boolean;
  /** Epoch ms, for judging the client certificate's validity. */
  readonly now: number;
}

// A TLS-terminating proxy that checks client certificates after the handshake answers HTTP 400 with a page
// that says why, instead of a TLS alert. These are nginx's (ngx_http_request.c); proxies built on it
// (OpenResty, Kong, ingress-nginx) say the same.
const NO_CERTIFICATE = /No required SSL certificate was sent/i;
const CERTIFICATE_ERROR = /The SSL certificate error/i;
// The pages are a few hundred bytes; reading more of an ordinary 400 would cost for nothing.
const READ_AT_MOST = 4_096;

async function readStart(response: Response): Promise<string> {
  const reader = response.clone().body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < READ_AT_MOST) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, READ_AT_MOST));
}

/**
 * Recognises a proxy's HTTP 400 for a missing or refused client certificate (nginx: "No required SSL
 * certificate was sent", "The SSL certificate error") and turns it into the {@link TlsError} a TLS alert
 * would have given: `client-certificate-required`, `client-certificate-rejected`, or `certificate-expired` /
 * `certificate-not-yet-valid` when the certificate is out of its dates here too. `tlsCode` says it came from
 * an HTTP answer. Any other response: `undefined`, and the response is left readable. The page itself is
 * not kept (it could echo request details).
 */
export async function proxyCertificateRejection(
  response: Response,
  context: ProxyAnswerContext,
): Promise<TlsError | undefined> {
  if (response.status !== 400 || response.body === null) return undefined;
  const page = await readStart(response);
  const missing = NO_CERTIFICATE.test(page);
  if (!missing && !CERTIFICATE_ERROR.test(page)) return undefined;
  await response.body?.cancel().catch(() => undefined);
  const { host, request, certificate } = context;
  if (missing) {
    return new TlsError(
      'client-certificate-required',
      `${host} answered HTTP 400 "No required SSL certificate was sent": a TLS-terminating proxy in front of ` +
        'the partner requires a client certificate and got none. ' +
        (context.hasClientCertificate
          ? 'One is configured: check that it is the proxy this transport reaches (no other proxy in between ends TLS).'
          : 'Configure cert + key or pfx on the transport.'),
      { host, request, tlsCode: 'HTTP_400_NO_REQUIRED_SSL_CERTIFICATE' },
    );
  }
  const options = { host, request, tlsCode: 'HTTP_400_SSL_CERTIFICATE_ERROR' };
  const validity = validityOf(certificate, context.now);
  const said = `${host} answered HTTP 400 "The SSL certificate error": a TLS-terminating proxy in front of the partner refused`;
  if (certificate !== undefined && validity === 'expired') {
    return new TlsError(
      'certificate-expired',
      `${said} ${describeCertificate(certificate)}, which expired on ${certificate.validToDate.toISOString()}. ` +
        'Install a renewed certificate; the transport picks it up on its next reload.',
      options,
    );
  }
  if (certificate !== undefined && validity === 'not-yet-valid') {
    return new TlsError(
      'certificate-not-yet-valid',
      `${said} ${describeCertificate(certificate)}, which is valid only from ` +
        `${certificate.validFromDate.toISOString()}. Check this machine's clock, or wait until its start date.`,
      options,
    );
  }
  return new TlsError(
    'client-certificate-rejected',
    `${said} ${describeCertificate(certificate)}: check that it is issued by a CA the partner's proxy trusts, ` +
      'with a complete chain and clientAuth usage.',
    options,
  );
}
