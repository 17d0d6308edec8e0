/**
 * Mutual TLS: a throw-away PKI (a partner CA, a server certificate, a client certificate, made with
 * `openssl`), a partner API on `node:https` that demands a client certificate signed by its CA, and
 * `mtlsTransport` presenting ours. A second transport that does not trust the partner's CA fails with a
 * `TlsError` that says so, and a certificate paired with a key of another type is refused at load.
 *
 * Run it: `node --conditions=@attache/source examples/mtls-node/mtls-node.ts`
 */
import { createFetch, secret } from '@attache/core';
import { isTlsError, mtlsTransport } from '@attache/mtls-node';
import { createPki } from '../../packages/mtls-node/test/fixtures/pki.ts';
import { serve } from '../support/serve.ts';

export interface MtlsExampleResult {
  readonly status: number;
  /** The client certificate's CN as the partner saw it. */
  readonly seenCn: string | undefined;
  /** The thumbprint (`x5t#S256`) of the certificate the transport presents. */
  readonly thumbprint: string | undefined;
  /** `reason` of the error the transport without the partner's CA got. */
  readonly untrustedReason: string | undefined;
  /** `reason` of the error for our certificate paired with an RSA key. */
  readonly mismatchReason: string | undefined;
}

export async function runMtlsExample(log: (line: string) => void = console.log): Promise<MtlsExampleResult> {
  const pki = await createPki();
  const ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  const clientCert = await pki.client(ca, { cn: 'acme-payments' });
  const rsaCert = await pki.client(ca, { cn: 'acme-rsa', keyType: 'rsa' });
  const partner = await serve((_request, peer) => Response.json({ hello: peer.clientCertificateCn }), {
    tls: { cert: serverCert.cert, key: serverCert.key, ca: ca.cert },
  });
  const transport = mtlsTransport({ cert: clientCert.cert, key: secret(clientCert.key), ca: ca.cert });
  const untrusting = mtlsTransport({ cert: clientCert.cert, key: secret(clientCert.key) });
  try {
    const partnerFetch = createFetch({ baseUrl: partner.origin, transport });
    const response = await partnerFetch('accounts');
    const body = (await response.json()) as { hello?: string };
    const info = await transport.certificate();
    log(`GET /accounts over mutual TLS: ${response.status}, the partner saw CN=${body.hello}`);
    log(`our certificate: ${info?.subject}, x5t#S256 ${info?.thumbprint}`);

    let untrustedReason: string | undefined;
    try {
      await createFetch({ baseUrl: partner.origin, transport: untrusting })('accounts');
    } catch (error) {
      if (!isTlsError(error)) throw error;
      untrustedReason = error.reason;
      log(`without the partner's CA: TlsError ${error.reason}: ${error.message}`);
    }

    // Our EC certificate with an RSA key (files mixed up during a rotation): refused before any connection.
    let mismatchReason: string | undefined;
    try {
      mtlsTransport({ cert: clientCert.cert, key: secret(rsaCert.key), ca: ca.cert });
    } catch (error) {
      if (!isTlsError(error)) throw error;
      mismatchReason = error.reason;
      log(`EC certificate + RSA key: TlsError ${error.reason}: ${error.message}`);
    }
    return {
      status: response.status,
      seenCn: body.hello,
      thumbprint: info?.thumbprint,
      untrustedReason,
      mismatchReason,
    };
  } finally {
    await Promise.all([transport.close(), untrusting.close(), partner.close()]);
    await pki.cleanup();
  }
}

if (import.meta.main) {
  await runMtlsExample();
}
