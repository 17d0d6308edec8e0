import { inspect } from 'node:util';
import { secret } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MtlsCredentials, type MtlsEvent, mtlsTransport } from '../src/index.ts';
import { createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { outgoingOf } from './support/outgoing.ts';

const PASSPHRASE = 'hunter2-pkcs12-passphrase';

let pki: Pki;
let caCert: string;
let client: IssuedCertificate;
let server: HttpsTestServer;

beforeAll(async () => {
  pki = await createPki();
  const ca = await pki.ca('Root');
  caCert = ca.cert;
  const serverCert = await pki.server(ca);
  client = await pki.client(ca, { cn: 'redaction', pfxPassphrase: PASSPHRASE, keyPassphrase: PASSPHRASE });
  server = await startHttpsServer({ cert: serverCert.cert, key: serverCert.key, ca: ca.cert });
});

afterAll(async () => {
  await server?.close();
  await pki?.cleanup();
});

function renderings(value: unknown): string[] {
  const out = [JSON.stringify(value) ?? '', inspect(value, { depth: 20 }), String(value)];
  if (value instanceof Error) out.push(value.message, value.stack ?? '');
  return out;
}

describe('no key or passphrase in any event or error', () => {
  it('across loads, a failed reload, a TLS failure and the request errors', async () => {
    const keyLines = client.key.split('\n').slice(1, -2);
    const encryptedLines = client.encryptedKey!.split('\n').slice(1, -2);
    const pfxBase64 = Buffer.from(client.pfx!).toString('base64').slice(0, 40);
    const secrets = [PASSPHRASE, 'wrong-passphrase-value', ...keyLines, ...encryptedLines, pfxBase64];

    const events: MtlsEvent[] = [];
    let current: MtlsCredentials = {
      cert: client.cert,
      key: secret(client.encryptedKey!),
      passphrase: secret(PASSPHRASE),
      ca: caCert,
    };
    let clock = 0;
    const transport = mtlsTransport({
      credentials: () => current,
      reloadInterval: 1_000,
      now: () => clock,
      onEvent: (event) => events.push(event),
    });
    const ok = await transport(await outgoingOf(new Request(`${server.url}/`)));
    expect(ok.status).toBe(200);
    await ok.body?.cancel();

    current = { pfx: client.pfx!, passphrase: secret('wrong-passphrase-value'), ca: caCert };
    clock += 1_000;
    const stillOk = await transport(await outgoingOf(new Request(`${server.url}/`)));
    expect(stillOk.status).toBe(200);
    await stillOk.body?.cancel();
    await expect(transport.reload()).rejects.toMatchObject({ reason: 'bad-passphrase' });
    const reloadError = await transport.reload().catch((e: unknown) => e);

    const noCert = mtlsTransport({ ca: caCert });
    const tlsError = await noCert(await outgoingOf(new Request(`${server.url}/?api_key=abc`))).catch(
      (e: unknown) => e,
    );
    const inlineError = (() => {
      try {
        mtlsTransport({ cert: client.cert, key: client.encryptedKey!, passphrase: 'wrong-passphrase-value' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();

    // The clock starts in 1970, before the certificate's dates: certificate-not-valid. Then one
    // reload-failed for the interval check and one for each reload() (which also rejects).
    expect(events.map((e) => e.type)).toEqual([
      'mtls:credentials-loaded',
      'mtls:certificate-not-valid',
      'mtls:reload-failed',
      'mtls:reload-failed',
      'mtls:reload-failed',
    ]);
    const everything = [...events, reloadError, tlsError, inlineError];
    for (const item of everything) {
      expect(item).toBeDefined();
      for (const rendering of renderings(item)) {
        for (const value of secrets) expect(rendering).not.toContain(value);
      }
    }
    expect((tlsError as Error).message).not.toContain('api_key');
    await Promise.all([transport.close(), noCert.close()]);
  });
});
