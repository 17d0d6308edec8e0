// A TLS-terminating proxy that checks client certificates after the handshake (nginx with
// `ssl_verify_client on`) answers a missing or refused certificate with HTTP 400 and a page, not a TLS alert.
// Against a real nginx started here, that answer becomes a TlsError that says so; an ordinary 400 stays a
// response.
import { join } from 'node:path';
import { createFetch, secret } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MtlsEvent, mtlsTransport, TlsError } from '../src/index.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { type NginxServer, startNginx } from './support/nginx-server.ts';
import { outgoingOf } from './support/outgoing.ts';

let pki: Pki;
let ca: CertificateAuthority;
let client: IssuedCertificate;
let stranger: IssuedCertificate;
let expired: IssuedCertificate;
let nginx: NginxServer;

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  const otherCa = await pki.ca('Somebody Else CA');
  const serverCert = await pki.server(ca);
  client = await pki.client(ca, { cn: 'acme-payments' });
  stranger = await pki.client(otherCa, { cn: 'acme-payments' });
  expired = await pki.client(ca, {
    cn: 'acme-expired',
    validity: { notBefore: '20200101000000Z', notAfter: '20200201000000Z' },
  });
  nginx = await startNginx({
    dir: join(pki.dir, 'nginx'),
    certPath: serverCert.certPath,
    keyPath: serverCert.keyPath,
    caPath: ca.certPath,
  });
});

afterAll(async () => {
  await nginx?.close();
  await pki?.cleanup();
});

async function failure(transport: ReturnType<typeof mtlsTransport>, path = '/orders'): Promise<unknown> {
  try {
    const response = await transport(await outgoingOf(new Request(`${nginx.url}${path}`)));
    return response;
  } catch (error) {
    return error;
  } finally {
    await transport.close();
  }
}

describe('nginx answers HTTP 400 for client certificate problems', () => {
  it('no certificate configured: client-certificate-required, saying the proxy answered 400', async () => {
    const error = await failure(mtlsTransport({ ca: ca.cert }));
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({
      reason: 'client-certificate-required',
      tlsCode: 'HTTP_400_NO_REQUIRED_SSL_CERTIFICATE',
      host: new URL(nginx.url).host,
      message: expect.stringContaining('answered HTTP 400 "No required SSL certificate was sent"'),
    });
    expect((error as Error).message).toContain('Configure cert + key or pfx on the transport');
  });

  it('a certificate from a CA the proxy does not trust: client-certificate-rejected, naming the certificate', async () => {
    const error = await failure(
      mtlsTransport({ cert: stranger.cert, key: secret(stranger.key), ca: ca.cert }),
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({
      reason: 'client-certificate-rejected',
      tlsCode: 'HTTP_400_SSL_CERTIFICATE_ERROR',
      message: expect.stringMatching(
        /answered HTTP 400 "The SSL certificate error".*"CN=acme-payments" \(issued by "CN=Somebody Else CA"\)/,
      ),
    });
    expect(JSON.stringify(error)).not.toContain(stranger.key.split('\n')[1]);
  });

  it('an expired certificate: certificate-expired with its end date, and the load event said so first', async () => {
    const events: MtlsEvent[] = [];
    const error = await failure(
      mtlsTransport({
        cert: expired.cert,
        key: secret(expired.key),
        ca: ca.cert,
        onEvent: (event) => events.push(event),
      }),
    );
    expect(error).toMatchObject({
      name: 'TlsError',
      reason: 'certificate-expired',
      tlsCode: 'HTTP_400_SSL_CERTIFICATE_ERROR',
      message: expect.stringContaining('expired on 2020-02-01T00:00:00.000Z'),
    });
    expect(events.find((event) => event.type === 'mtls:certificate-not-valid')).toMatchObject({
      reason: 'expired',
      notAfter: '2020-02-01T00:00:00.000Z',
    });
  });

  it('through createFetch: the TlsError reaches the caller, once (a 400 is not retried)', async () => {
    const transport = mtlsTransport({ ca: ca.cert });
    const api = createFetch({ baseUrl: nginx.url, transport });
    try {
      await expect(api('orders')).rejects.toMatchObject({
        name: 'TlsError',
        reason: 'client-certificate-required',
      });
    } finally {
      await transport.close();
    }
  });

  it('the right certificate: 200 from behind the proxy', async () => {
    const response = await failure(
      mtlsTransport({ cert: client.cert, key: secret(client.key), ca: ca.cert }),
      '/',
    );
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(200);
    expect(await (response as Response).text()).toBe('ok CN=acme-payments');
  });

  it('an ordinary 400 stays a response, its body intact', async () => {
    const response = await failure(
      mtlsTransport({ cert: client.cert, key: secret(client.key), ca: ca.cert }),
      '/plain-400',
    );
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(400);
    expect(await (response as Response).text()).toBe('bad order id');
  });
});
