import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MtlsTransport, mtlsTransport, TlsError, type TlsErrorReason } from '../src/index.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { type OpensslServer, startOpensslServer } from './support/openssl-server.ts';
import { outgoingOf } from './support/outgoing.ts';

const EXPIRED = { notBefore: '20200101000000Z', notAfter: '20200201000000Z' };

let pki: Pki;
let ca: CertificateAuthority;
let rogueCa: CertificateAuthority;
let client: IssuedCertificate;
let expiredClient: IssuedCertificate;
let rogueClient: IssuedCertificate;
let tls13: HttpsTestServer;
let tls12: HttpsTestServer;
let otherName: HttpsTestServer;
let expiredServer: HttpsTestServer;
let openssl: OpensslServer;
let openssl12: OpensslServer;
const transports: MtlsTransport[] = [];

beforeAll(async () => {
  pki = await createPki();
  [ca, rogueCa] = await Promise.all([pki.ca('Partner Root CA'), pki.ca('Rogue CA')]);
  const [serverCert, otherNameCert, expiredServerCert] = await Promise.all([
    pki.server(ca),
    pki.server(ca, { cn: 'partner.example', dns: ['partner.example'], ips: [] }),
    pki.server(ca, { validity: EXPIRED }),
  ]);
  [client, expiredClient, rogueClient] = await Promise.all([
    pki.client(ca, { cn: 'acme-payments' }),
    pki.client(ca, { cn: 'acme-old', validity: EXPIRED }),
    pki.client(rogueCa, { cn: 'acme-rogue' }),
  ]);
  const base = { key: serverCert.key, cert: serverCert.cert, ca: ca.cert };
  const opensslFiles = { certPath: serverCert.certPath, keyPath: serverCert.keyPath, caPath: ca.certPath };
  [tls13, tls12, otherName, expiredServer, openssl, openssl12] = await Promise.all([
    startHttpsServer(base),
    startHttpsServer({ ...base, maxVersion: 'TLSv1.2' }),
    startHttpsServer({ ...base, cert: otherNameCert.cert, key: otherNameCert.key }),
    startHttpsServer({ ...base, cert: expiredServerCert.cert, key: expiredServerCert.key }),
    startOpensslServer(opensslFiles),
    startOpensslServer({ ...opensslFiles, tls12: true }),
  ]);
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.destroy()));
  await Promise.all([tls13, tls12, otherName, expiredServer].map((s) => s?.close()));
  await Promise.all([openssl?.close(), openssl12?.close()]);
  await pki?.cleanup();
});

function transport(options: Parameters<typeof mtlsTransport>[0]): MtlsTransport {
  const created = mtlsTransport(options);
  transports.push(created);
  return created;
}

async function failure(t: MtlsTransport, url: string): Promise<unknown> {
  try {
    const response = await t(await outgoingOf(new Request(url)));
    await response.body?.cancel();
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${url} to fail`);
}

function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

async function expectTlsError(
  t: MtlsTransport,
  url: string,
  reason: TlsErrorReason,
  message: RegExp,
): Promise<TlsError> {
  const error = await failure(t, url);
  expect(error).toBeInstanceOf(TlsError);
  const tlsError = error as TlsError;
  expect({ reason: tlsError.reason, code: tlsError.code, isRetryable: tlsError.isRetryable }).toEqual({
    reason,
    code: 'TLS',
    isRetryable: false,
  });
  expect(tlsError.message).toMatch(message);
  expect(tlsError.host).toBe(new URL(url).host);
  // The whole chain is kept: the error undici's dispatcher failed with (a socket or TLS error with its code).
  const chain = errorChain(tlsError);
  expect(chain[1]).toBeInstanceOf(Error);
  expect(typeof (chain[1] as { code?: unknown }).code).toBe('string');
  expect(chain.length).toBeGreaterThanOrEqual(2);
  expect(tlsError.request).toEqual({ method: 'GET', url: `${new URL(url).origin}/path`, headers: {} });
  return tlsError;
}

describe('TLS failures become a TlsError with an actionable reason and the whole cause chain', () => {
  it('no client certificate and the server requires one (TLS 1.3: alert after the handshake)', async () => {
    const error = await expectTlsError(
      transport({ ca: ca.cert }),
      `${tls13.url}/path?token=abc`,
      'client-certificate-required',
      /requires a client certificate and none was sent.*Configure cert \+ key or pfx/,
    );
    expect(error.tlsCode).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(error.message).not.toContain('token=abc');
  });

  it('no client certificate and the server requires one (TLS 1.2: handshake_failure alert)', async () => {
    const error = await expectTlsError(
      transport({ ca: ca.cert }),
      `${tls12.url}/path`,
      'client-certificate-required',
      /requires a client certificate/,
    );
    expect(error.tlsCode).toMatch(/ALERT_HANDSHAKE_FAILURE$/);
  });

  it('the server is signed by a CA we do not trust → unknown-ca', async () => {
    await expectTlsError(
      transport({ cert: client.cert, key: client.key, ca: rogueCa.cert }),
      `${tls13.url}/path`,
      'unknown-ca',
      /not signed by a trusted CA.*Add the partner's CA certificate to `ca`/,
    );
    // Without `ca`, Node's public roots do not know the partner's private CA either.
    await expectTlsError(
      transport({ cert: client.cert, key: client.key }),
      `${tls13.url}/path`,
      'unknown-ca',
      /trusted CA/,
    );
  });

  it.each([
    ['TLS 1.3', () => tls13],
    ['TLS 1.2', () => tls12],
  ])(
    'an expired client certificate → certificate-expired, even from a server that just hangs up (%s)',
    async (_, server) => {
      const error = await expectTlsError(
        transport({ cert: expiredClient.cert, key: expiredClient.key, ca: ca.cert }),
        `${server().url}/path`,
        'certificate-expired',
        /"CN=acme-old".*expired on 2020-02-01T00:00:00.000Z\. Install a renewed certificate/,
      );
      expect(error.message).toMatch(
        /closed the (new connection without answering|connection during the TLS handshake)/,
      );
    },
  );

  it('the server certificate does not name the host → hostname-mismatch; servername fixes it', async () => {
    await expectTlsError(
      transport({ cert: client.cert, key: client.key, ca: ca.cert }),
      `${otherName.url}/path`,
      'hostname-mismatch',
      /not issued for "127\.0\.0\.1".*set `servername`/,
    );
    const fixed = transport({
      cert: client.cert,
      key: client.key,
      ca: ca.cert,
      servername: 'partner.example',
    });
    const response = await fixed(await outgoingOf(new Request(`${otherName.url}/path`)));
    expect(await response.json()).toEqual({ cn: 'acme-payments', path: '/path' });
  });

  it("the server's certificate has expired → server-certificate-expired", async () => {
    await expectTlsError(
      transport({ cert: client.cert, key: client.key, ca: ca.cert }),
      `${expiredServer.url}/path`,
      'server-certificate-expired',
      /has expired \(CERT_HAS_EXPIRED\): the partner must renew it/,
    );
  });

  it('the port does not speak TLS → protocol-mismatch', async () => {
    const plain = createHttpServer((_, res) => res.end('plain'));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    try {
      const port = (plain.address() as AddressInfo).port;
      await expectTlsError(
        transport({ cert: client.cert, key: client.key, ca: ca.cert }),
        `https://127.0.0.1:${port}/path`,
        'protocol-mismatch',
        /may not speak TLS/,
      );
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  describe.each([
    ['TLS 1.3', () => openssl],
    ['TLS 1.2', () => openssl12],
  ])('against a server that answers with TLS alerts (openssl s_server, %s)', (_, server) => {
    it('accepts a good certificate', async () => {
      const response = await transport({ cert: client.cert, key: client.key, ca: ca.cert })(
        await outgoingOf(new Request(`${server().url}/`)),
      );
      expect(response.status).toBe(200);
      await response.body?.cancel();
    });

    it('expired client certificate → certificate-expired, from the certificate_expired alert', async () => {
      const error = await failure(
        transport({ cert: expiredClient.cert, key: expiredClient.key, ca: ca.cert }),
        `${server().url}/path`,
      );
      expect(error).toBeInstanceOf(TlsError);
      expect(error).toMatchObject({
        reason: 'certificate-expired',
        tlsCode: expect.stringMatching(/ALERT_CERTIFICATE_EXPIRED$/),
      });
      expect((error as Error).message).toMatch(
        /refused the client certificate: .*"CN=acme-old".* expired on 2020-02-01/,
      );
    });

    it('client certificate from a CA the server does not trust → client-certificate-rejected (unknown_ca)', async () => {
      const error = await failure(
        transport({ cert: rogueClient.cert, key: rogueClient.key, ca: ca.cert }),
        `${server().url}/path`,
      );
      expect(error).toBeInstanceOf(TlsError);
      expect(error).toMatchObject({
        reason: 'client-certificate-rejected',
        tlsCode: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
      });
      expect((error as Error).message).toMatch(
        /rejected the client certificate "CN=acme-rogue" \(issued by "CN=Rogue CA"\) with TLS alert unknown_ca: the server does not trust the CA/,
      );
    });

    it('no client certificate → client-certificate-required', async () => {
      expect(await failure(transport({ ca: ca.cert }), `${server().url}/path`)).toMatchObject({
        reason: 'client-certificate-required',
      });
    });
  });
});

describe('failures that are not about TLS become NetworkError (retryable by the pipeline)', () => {
  it('connection refused', async () => {
    const probe = createHttpServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failure(
      transport({ cert: client.cert, key: client.key, ca: ca.cert }),
      `https://127.0.0.1:${port}/x`,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'NETWORK', isRetryable: true });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(errorChain(error).some((e) => (e as { code?: string }).code === 'ECONNREFUSED')).toBe(true);
  });

  it('a server that silently drops an untrusted but unexpired certificate: NetworkError with a hint', async () => {
    const error = await failure(
      transport({ cert: rogueClient.cert, key: rogueClient.key, ca: ca.cert }),
      `${tls13.url}/x`,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(
      /closed the new connection without answering; if this persists, it probably does not accept the client certificate "CN=acme-rogue" \(issued by "CN=Rogue CA"\)/,
    );
  });
});
