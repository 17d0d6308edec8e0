import type { X509Certificate } from 'node:crypto';
import { NetworkError, type RedactedRequest } from '@attache/core';
import { PIN_MISMATCH_CODE } from './server-pinning.ts';
import type { ConnectPhase } from './tls-connector.ts';
import { isTlsError, TlsError } from './tls-error.ts';

/** What the transport knows about the failed request. */
export interface FailureContext {
  /** `host:port` of the server. */
  readonly host: string;
  /** The host name the server's certificate must name. */
  readonly hostname: string;
  /** A redacted, header-free snapshot of the request. */
  readonly request: RedactedRequest;
  /** The client certificate the connection presented, when there is one and it is readable. */
  readonly certificate: X509Certificate | undefined;
  /** Whether a client certificate is configured at all (PKCS#12 may hide its details). */
  readonly hasClientCertificate: boolean;
  /** Epoch ms, for judging the client certificate's validity. */
  readonly now: number;
  observedTlsError(error: unknown): Error | undefined;
  phaseOf(error: unknown): ConnectPhase | undefined;
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);
const SERVER_CERT_INVALID = new Set([
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'CERT_CHAIN_TOO_LONG',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);
const HOSTNAME_MISMATCH = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'IP_ADDRESS_MISMATCH',
]);
const PROTOCOL_MISMATCH = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_NO_SHARED_CIPHER',
  'ERR_SSL_NO_CIPHERS_AVAILABLE',
  'ERR_SSL_HTTP_REQUEST',
]);
/** TLS alerts (RFC 8446 §6) by which a server refuses the client certificate, with what to do about each. */
const REJECTION_ALERTS: Readonly<Record<string, string>> = {
  BAD_CERTIFICATE:
    'check it is the certificate the partner registered, with a complete chain and clientAuth usage',
  UNSUPPORTED_CERTIFICATE: 'the server does not accept this kind of certificate (key type or usage)',
  CERTIFICATE_UNKNOWN:
    'check it is the certificate the partner registered, with a complete chain and clientAuth usage',
  CERTIFICATE_REVOKED: 'it has been revoked; get a new certificate',
  UNKNOWN_CA:
    'the server does not trust the CA that issued it; use a certificate from a CA the partner trusts',
  ACCESS_DENIED: 'the certificate is valid but not authorised here; ask the partner to allow its subject',
};
const PROTOCOL_ALERTS = new Set(['PROTOCOL_VERSION', 'INSUFFICIENT_SECURITY', 'NO_APPLICATION_PROTOCOL']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `error` and every error below it (`cause`, `AggregateError.errors`), outermost first. */
function chainOf(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 20) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    if (next instanceof AggregateError) queue.push(...next.errors);
    if (typeof next === 'object' && 'cause' in next) queue.push((next as { cause?: unknown }).cause);
  }
  return seen;
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

export function describeCertificate(certificate: X509Certificate | undefined): string {
  if (certificate === undefined) return 'the client certificate';
  return `the client certificate "${oneLine(certificate.subject)}" (issued by "${oneLine(certificate.issuer)}")`;
}

type Validity = 'expired' | 'not-yet-valid' | 'valid' | 'unknown';

export function validityOf(certificate: X509Certificate | undefined, now: number): Validity {
  if (certificate === undefined) return 'unknown';
  if (now > certificate.validToDate.getTime()) return 'expired';
  if (now < certificate.validFromDate.getTime()) return 'not-yet-valid';
  return 'valid';
}

function validityError(
  validity: Validity,
  context: FailureContext,
  how: string,
  options: TlsOptions,
): TlsError | undefined {
  const certificate = context.certificate;
  if (certificate === undefined) return undefined;
  const who = describeCertificate(certificate);
  if (validity === 'expired') {
    return new TlsError(
      'certificate-expired',
      `${context.host} ${how}: ${who} expired on ${certificate.validToDate.toISOString()}. ` +
        'Install a renewed certificate; the transport picks it up on its next reload.',
      options,
    );
  }
  if (validity === 'not-yet-valid') {
    return new TlsError(
      'certificate-not-yet-valid',
      `${context.host} ${how}: ${who} is valid only from ${certificate.validFromDate.toISOString()}. ` +
        "Check this machine's clock, or wait until the certificate's start date.",
      options,
    );
  }
  return undefined;
}

interface TlsOptions {
  readonly cause: unknown;
  readonly request: RedactedRequest;
  readonly host: string;
  readonly tlsCode: string | undefined;
}

function fromAlert(alert: string, code: string, context: FailureContext, options: TlsOptions): TlsError {
  const { host } = context;
  const validity = validityOf(context.certificate, context.now);
  if (alert === 'CERTIFICATE_REQUIRED' || (alert === 'HANDSHAKE_FAILURE' && !context.hasClientCertificate)) {
    return new TlsError(
      'client-certificate-required',
      `${host} requires a client certificate and none was sent (TLS alert ${alert.toLowerCase()}). ` +
        'Configure cert + key or pfx on the transport.',
      options,
    );
  }
  if (alert === 'CERTIFICATE_EXPIRED') {
    return (
      validityError(
        validity === 'not-yet-valid' ? validity : 'expired',
        context,
        'refused the client certificate',
        options,
      ) ??
      new TlsError(
        'certificate-expired',
        `${host} says the client certificate has expired (TLS alert certificate_expired). Install a renewed certificate.`,
        options,
      )
    );
  }
  const advice = REJECTION_ALERTS[alert];
  if (advice !== undefined) {
    const dated = validityError(
      validity,
      context,
      `refused the client certificate (TLS alert ${alert.toLowerCase()})`,
      options,
    );
    if (dated !== undefined) return dated;
    return new TlsError(
      'client-certificate-rejected',
      `${host} rejected ${describeCertificate(context.certificate)} with TLS alert ${alert.toLowerCase()}: ${advice}.`,
      options,
    );
  }
  if (PROTOCOL_ALERTS.has(alert)) {
    return new TlsError(
      'protocol-mismatch',
      `${host} found no TLS version or cipher in common with this client (TLS alert ${alert.toLowerCase()}).`,
      options,
    );
  }
  return new TlsError(
    'handshake-failed',
    `The TLS handshake with ${host} failed: the server sent alert ${alert.toLowerCase()} (${code}).`,
    options,
  );
}

function fromCode(
  code: string,
  error: unknown,
  context: FailureContext,
  options: TlsOptions,
): TlsError | undefined {
  const { host, hostname } = context;
  if (UNKNOWN_CA.has(code)) {
    return new TlsError(
      'unknown-ca',
      `The certificate of ${host} is not signed by a trusted CA (${code}). Add the partner's CA certificate to \`ca\`, ` +
        'or check that this is the right server.',
      options,
    );
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return new TlsError(
      'server-certificate-expired',
      `The certificate of ${host} has expired (${code}): the partner must renew it (or this machine's clock is wrong).`,
      options,
    );
  }
  if (SERVER_CERT_INVALID.has(code)) {
    return new TlsError(
      'server-certificate-invalid',
      `The certificate of ${host} is not valid (${code}).`,
      options,
    );
  }
  if (HOSTNAME_MISMATCH.has(code)) {
    const detail = error instanceof Error ? ` ${error.message}.` : '';
    return new TlsError(
      'hostname-mismatch',
      `The certificate of ${host} is not issued for "${hostname}".${detail} Check the URL, or set \`servername\` when ` +
        'the server is reached through an IP address or another name.',
      options,
    );
  }
  if (PROTOCOL_MISMATCH.has(code)) {
    return new TlsError(
      'protocol-mismatch',
      `No TLS connection could be made with ${host} (${code}): the port may not speak TLS, or there is no TLS ` +
        'version or cipher in common (see minVersion).',
      options,
    );
  }
  const alert = /^ERR_SSL_.*ALERT_([A-Z_]+)$/.exec(code)?.[1];
  if (alert !== undefined) return fromAlert(alert, code, context, options);
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_') || code.startsWith('ERR_TLS_')) {
    return new TlsError('handshake-failed', `The TLS handshake with ${host} failed (${code}).`, options);
  }
  return undefined;
}

function summary(chain: readonly unknown[]): string {
  const last = [...chain].reverse().find((e) => e instanceof Error) as Error | undefined;
  if (last === undefined) return 'unknown error';
  const code = codeOf(last);
  return code !== undefined && !last.message.includes(code) ? `${code} ${last.message}` : last.message;
}

/**
 * Turns what undici's `fetch` rejected with into a {@link TlsError} (with an actionable reason) or, for
 * failures that are not about TLS, a `NetworkError` the pipeline may retry. `cause` is always the original
 * rejection, so the whole chain is kept.
 */
export function classifyFailure(error: unknown, context: FailureContext): TlsError | NetworkError {
  const chain = chainOf(error);
  const base = { cause: error, request: context.request, host: context.host };

  const pinned = chain.find(isTlsError);
  if (pinned !== undefined) {
    return new TlsError(pinned.reason, pinned.message, {
      ...base,
      tlsCode: pinned.tlsCode ?? PIN_MISMATCH_CODE,
    });
  }

  for (const link of chain) {
    const observed = context.observedTlsError(link);
    for (const candidate of observed === undefined ? [link] : [link, observed]) {
      const code = codeOf(candidate);
      if (code === undefined) continue;
      const classified = fromCode(code, candidate, context, { ...base, tlsCode: code });
      if (classified !== undefined) return classified;
    }
  }

  // Servers that verify client certificates after the handshake (Node's own, many proxies) just close the
  // connection: judge by whether it died before answering anything, and by our certificate's dates.
  const closedInHandshake = chain.some((link) => context.phaseOf(link) === 'handshake');
  const closedBeforeAnswer = chain.some((link) => {
    const socket = (link as { socket?: { bytesRead?: unknown } } | null)?.socket;
    return codeOf(link) === 'UND_ERR_SOCKET' && socket?.bytesRead === 0;
  });
  let hint = '';
  if (closedInHandshake || closedBeforeAnswer) {
    const how = closedInHandshake
      ? 'closed the connection during the TLS handshake'
      : 'closed the new connection without answering';
    const dated = validityError(validityOf(context.certificate, context.now), context, how, {
      ...base,
      tlsCode: codeOf(chain.find((link) => codeOf(link) !== undefined)),
    });
    if (dated !== undefined) return dated;
    hint = `: ${context.host} ${how}`;
    if (context.hasClientCertificate) {
      hint += `; if this persists, it probably does not accept ${describeCertificate(context.certificate)}`;
    }
  }
  return new NetworkError(
    `Network error for ${context.request.method} ${context.request.url}${hint} (${summary(chain)})`,
    { cause: error, request: context.request },
  );
}
