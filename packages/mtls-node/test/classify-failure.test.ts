import { X509Certificate } from 'node:crypto';
import { NetworkError } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure, type FailureContext } from '../src/classify-failure.ts';
import { TlsError, type TlsErrorReason } from '../src/index.ts';
import { createPki, type Pki } from './fixtures/pki.ts';

let pki: Pki;
let valid: X509Certificate;
let expired: X509Certificate;

beforeAll(async () => {
  pki = await createPki();
  const ca = await pki.ca('Root');
  valid = new X509Certificate((await pki.client(ca, { cn: 'valid' })).cert);
  expired = new X509Certificate(
    (
      await pki.client(ca, {
        cn: 'expired',
        validity: { notBefore: '20200101000000Z', notAfter: '20200201000000Z' },
      })
    ).cert,
  );
});

afterAll(async () => {
  await pki?.cleanup();
});

function context(overrides: Partial<FailureContext> = {}): FailureContext {
  return {
    host: 'api.bank.example:443',
    hostname: 'api.bank.example',
    request: { method: 'GET', url: 'https://api.bank.example/accounts', headers: {} },
    certificate: valid,
    hasClientCertificate: true,
    now: Date.now(),
    observedTlsError: () => undefined,
    phaseOf: () => undefined,
    ...overrides,
  };
}

/** What undici's fetch rejects with: TypeError('fetch failed') caused by the socket's error. */
function fetchFailure(code: string, message = code): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

describe('classifyFailure', () => {
  it.each<[string, TlsErrorReason]>([
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client-certificate-required'],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'certificate-expired'],
    ['ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED', 'certificate-expired'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'client-certificate-rejected'],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED', 'client-certificate-rejected'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client-certificate-rejected'],
    ['ERR_SSL_TLSV1_ALERT_ACCESS_DENIED', 'client-certificate-rejected'],
    ['ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', 'handshake-failed'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'protocol-mismatch'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'protocol-mismatch'],
    ['ERR_SSL_TLSV1_ALERT_DECODE_ERROR', 'handshake-failed'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown-ca'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'unknown-ca'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown-ca'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown-ca'],
    ['CERT_HAS_EXPIRED', 'server-certificate-expired'],
    ['CERT_NOT_YET_VALID', 'server-certificate-invalid'],
    ['CERT_REVOKED', 'server-certificate-invalid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname-mismatch'],
  ])('%s → %s', (code, reason) => {
    const cause = fetchFailure(code);
    const error = classifyFailure(cause, context());
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ reason, tlsCode: code, host: 'api.bank.example:443', cause });
  });

  it('handshake_failure without a client certificate means the server wants one', () => {
    const error = classifyFailure(
      fetchFailure('ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE'),
      context({ certificate: undefined, hasClientCertificate: false }),
    );
    expect(error).toMatchObject({ reason: 'client-certificate-required' });
  });

  it('a generic rejection of a certificate that is expired locally says it expired', () => {
    const error = classifyFailure(
      fetchFailure('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'),
      context({ certificate: expired }),
    );
    expect(error).toMatchObject({ reason: 'certificate-expired' });
    expect(error.message).toContain('expired on 2020-02-01T00:00:00.000Z');
  });

  it('uses the TLS alert the socket saw when undici only reports "other side closed"', () => {
    const socketError = Object.assign(new Error('other side closed'), {
      code: 'UND_ERR_SOCKET',
      socket: { localAddress: '127.0.0.1', localPort: 50000, bytesRead: 0 },
    });
    const alert = Object.assign(new Error('tlsv13 alert certificate required'), {
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    });
    const error = classifyFailure(
      new TypeError('fetch failed', { cause: socketError }),
      context({ observedTlsError: (e) => (e === socketError ? alert : undefined) }),
    );
    expect(error).toMatchObject({ reason: 'client-certificate-required', tlsCode: alert.code });
    expect((error.cause as Error).cause).toBe(socketError);
  });

  it('looks inside AggregateError (happy-eyeballs connects)', () => {
    const aggregate = new AggregateError(
      [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })],
      'connect failed',
    );
    const error = classifyFailure(new TypeError('fetch failed', { cause: aggregate }), context());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('refused');
  });

  it('everything else is a NetworkError carrying only the header-free snapshot', () => {
    const error = classifyFailure(fetchFailure('ECONNRESET', 'read ECONNRESET'), context());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ isRetryable: true, request: { headers: {} } });
    expect(error.message).toBe('Network error for GET https://api.bank.example/accounts (read ECONNRESET)');
  });
});
