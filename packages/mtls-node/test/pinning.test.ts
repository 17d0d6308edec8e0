import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint, type MtlsTransport, mtlsTransport, spkiPin, TlsError } from '../src/index.ts';
import { normalizePins } from '../src/server-pinning.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { outgoingOf } from './support/outgoing.ts';

let pki: Pki;
let ca: CertificateAuthority;
let serverCert: IssuedCertificate;
let client: IssuedCertificate;
let server: HttpsTestServer;
const transports: MtlsTransport[] = [];

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  serverCert = await pki.server(ca);
  client = await pki.client(ca, { cn: 'acme-payments' });
  server = await startHttpsServer({ cert: serverCert.cert, key: serverCert.key, ca: ca.cert });
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.destroy()));
  await server?.close();
  await pki?.cleanup();
});

function transport(pins: readonly string[]): MtlsTransport {
  const created = mtlsTransport({ cert: client.cert, key: client.key, ca: ca.cert, pins });
  transports.push(created);
  return created;
}

/** The documented shell pipeline, to check the helpers against OpenSSL itself. */
function opensslSpkiPin(certPath: string): string {
  const pubkey = execFileSync('openssl', ['x509', '-in', certPath, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubkey });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
}

describe('spkiPin and certificateThumbprint', () => {
  it('spkiPin equals the OpenSSL pipeline the docs show', () => {
    expect(spkiPin(serverCert.cert)).toBe(opensslSpkiPin(serverCert.certPath));
    expect(spkiPin(ca.cert)).toBe(opensslSpkiPin(ca.certPath));
  });

  it('certificateThumbprint is base64url(SHA-256(DER)), whatever form the certificate comes in', () => {
    const der = execFileSync('openssl', ['x509', '-in', client.certPath, '-outform', 'der']);
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString(
      'base64url',
    );
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(certificateThumbprint(client.cert)).toBe(expected);
    expect(certificateThumbprint(client.chain)).toBe(expected);
    expect(certificateThumbprint(new Uint8Array(der))).toBe(expected);
    expect(certificateThumbprint(new X509Certificate(client.cert))).toBe(expected);
    expect(certificateThumbprint({ raw: der })).toBe(expected);
    expect(() => certificateThumbprint('hello')).toThrow(/not a PEM certificate/);
  });
});

describe('pin notations', () => {
  it('reads a digest that itself begins with "/" under either prefix', () => {
    const digest = Buffer.alloc(32, 0xfc).toString('base64');
    expect(digest.startsWith('/')).toBe(true);
    for (const written of [
      digest,
      `sha256/${digest}`,
      `sha256//${digest}`,
      Buffer.alloc(32, 0xfc).toString('base64url'),
    ]) {
      expect([...normalizePins([written])]).toEqual([digest]);
    }
  });
});

describe('server pinning (SPKI SHA-256)', () => {
  it('connects when the server key is pinned, in any accepted notation', async () => {
    const pin = spkiPin(serverCert.cert);
    for (const notation of [
      pin,
      `sha256/${pin}`,
      `sha256//${pin}`,
      Buffer.from(pin, 'base64').toString('base64url'),
    ]) {
      const response = await transport([notation])(await outgoingOf(new Request(`${server.url}/pinned`)));
      expect(await response.json()).toEqual({ cn: 'acme-payments', path: '/pinned' });
    }
  });

  it('a pin of an issuing CA in the chain also matches', async () => {
    const response = await transport([spkiPin(ca.cert)])(
      await outgoingOf(new Request(`${server.url}/ca-pinned`)),
    );
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });

  it('a wrong pin is refused with pin-mismatch before any request is sent', async () => {
    const before = server.seen.length;
    const other = await pki.server(ca);
    const t = transport([spkiPin(other.cert), spkiPin(client.cert)]);
    const error = await t(await outgoingOf(new Request(`${server.url}/secret-path`))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: 'TLS', reason: 'pin-mismatch', isRetryable: false });
    expect((error as Error).message).toContain(`its leaf key pin is ${spkiPin(serverCert.cert)}`);
    expect((error as Error).message).toMatch(/matches the 2 configured pin\(s\)/);
    expect((error as Error).cause).toBeInstanceOf(TlsError);
    expect(server.seen.length).toBe(before);
  });

  it('pinning does not replace CA validation: a pinned key behind an untrusted CA is still refused', async () => {
    const rogue = await pki.ca('Rogue');
    const t = mtlsTransport({
      cert: client.cert,
      key: client.key,
      ca: rogue.cert,
      pins: [spkiPin(serverCert.cert)],
    });
    transports.push(t);
    await expect(t(await outgoingOf(new Request(`${server.url}/`)))).rejects.toMatchObject({
      reason: 'unknown-ca',
    });
  });
});
