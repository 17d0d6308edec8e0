import { inspect } from 'node:util';
import { ConfigError, secret } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtlsTransport, TlsError } from '../src/index.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { outgoingOf } from './support/outgoing.ts';

const PFX_PASSPHRASE = 'p12-correct-horse';
const KEY_PASSPHRASE = 'pem-battery-staple';

let pki: Pki;
let ca: CertificateAuthority;
let client: IssuedCertificate;
let server: HttpsTestServer;

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  client = await pki.client(ca, {
    cn: 'acme-payments',
    pfxPassphrase: PFX_PASSPHRASE,
    keyPassphrase: KEY_PASSPHRASE,
  });
  server = await startHttpsServer({ cert: serverCert.cert, key: serverCert.key, ca: ca.cert });
});

afterAll(async () => {
  await server?.close();
  await pki?.cleanup();
});

async function cnSeenWith(transport: ReturnType<typeof mtlsTransport>): Promise<unknown> {
  try {
    const response = await transport(await outgoingOf(new Request(`${server.url}/whoami`)));
    expect(response.status).toBe(200);
    return ((await response.json()) as { cn: unknown }).cn;
  } finally {
    await transport.close();
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const renderings = [
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
  ];
  for (const rendering of renderings) {
    for (const value of secrets) expect(rendering).not.toContain(value);
  }
}

describe('client credentials', () => {
  it('presents a PEM certificate and key: the server sees the client CN', async () => {
    expect(await cnSeenWith(mtlsTransport({ cert: client.cert, key: secret(client.key), ca: ca.cert }))).toBe(
      'acme-payments',
    );
  });

  it('presents a PKCS#12 bundle opened with its passphrase', async () => {
    expect(
      await cnSeenWith(mtlsTransport({ pfx: client.pfx!, passphrase: secret(PFX_PASSPHRASE), ca: ca.cert })),
    ).toBe('acme-payments');
  });

  it('decrypts an encrypted PEM key with its passphrase', async () => {
    expect(
      await cnSeenWith(
        mtlsTransport({
          cert: client.cert,
          key: client.encryptedKey!,
          passphrase: KEY_PASSPHRASE,
          ca: ca.cert,
        }),
      ),
    ).toBe('acme-payments');
  });

  it('reads cert, key, CA and PKCS#12 from files', async () => {
    expect(
      await cnSeenWith(
        mtlsTransport({
          cert: { file: client.certPath },
          key: { file: client.keyPath },
          ca: { file: ca.certPath },
        }),
      ),
    ).toBe('acme-payments');
    expect(
      await cnSeenWith(
        mtlsTransport({
          pfx: { file: client.pfxPath! },
          passphrase: PFX_PASSPHRASE,
          ca: { file: ca.certPath },
        }),
      ),
    ).toBe('acme-payments');
  });

  it('takes its credentials from a provider function', async () => {
    let calls = 0;
    const transport = mtlsTransport({
      credentials: async () => {
        calls++;
        return { cert: client.cert, key: secret(client.key), ca: ca.cert };
      },
    });
    expect(await cnSeenWith(transport)).toBe('acme-payments');
    expect(calls).toBe(1);
  });

  it('describes the certificate in use, PEM or PKCS#12', async () => {
    const pem = mtlsTransport({ cert: client.cert, key: client.key, ca: ca.cert });
    const pfx = mtlsTransport({ pfx: client.pfx!, passphrase: PFX_PASSPHRASE, ca: ca.cert });
    const [fromPem, fromPfx] = await Promise.all([pem.certificate(), pfx.certificate()]);
    expect(fromPem?.subject).toBe('CN=acme-payments');
    expect(fromPem?.issuer).toBe('CN=Partner Root CA');
    expect(fromPfx).toEqual(fromPem);
    expect(await mtlsTransport({ ca: ca.cert }).certificate()).toBeUndefined();
    await Promise.all([pem.close(), pfx.close()]);
  });
});

describe('unusable credentials become a TlsError with an actionable reason', () => {
  it('wrong PKCS#12 passphrase → bad-passphrase, at construction for inline material', () => {
    const error = thrown(() =>
      mtlsTransport({ pfx: client.pfx!, passphrase: 'not-the-passphrase', ca: ca.cert }),
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: 'TLS', reason: 'bad-passphrase', isRetryable: false });
    expect((error as TlsError).message).toMatch(/passphrase is wrong/);
    expect((error as TlsError).cause).toBeInstanceOf(Error);
    expectNoSecrets(error, ['not-the-passphrase', PFX_PASSPHRASE]);
  });

  it('missing PKCS#12 passphrase → bad-passphrase saying none was given', () => {
    const error = thrown(() => mtlsTransport({ pfx: client.pfx! }));
    expect(error).toMatchObject({ reason: 'bad-passphrase' });
    expect((error as Error).message).toMatch(/no passphrase was given/);
  });

  it('corrupt PKCS#12 → bad-pkcs12', () => {
    const truncated = client.pfx!.subarray(0, 120);
    expect(thrown(() => mtlsTransport({ pfx: truncated, passphrase: PFX_PASSPHRASE }))).toMatchObject({
      reason: 'bad-pkcs12',
    });
    expect(
      thrown(() => mtlsTransport({ pfx: new TextEncoder().encode('not a pkcs12 file'), passphrase: 'x' })),
    ).toMatchObject({
      reason: 'bad-pkcs12',
    });
  });

  it('wrong or missing PEM key passphrase → bad-passphrase, with no key material in the error', () => {
    const wrong = thrown(() =>
      mtlsTransport({ cert: client.cert, key: client.encryptedKey!, passphrase: 'nope-nope' }),
    );
    expect(wrong).toMatchObject({ reason: 'bad-passphrase' });
    expectNoSecrets(wrong, ['nope-nope', KEY_PASSPHRASE, client.encryptedKey!.split('\n')[1]!]);
    const missing = thrown(() => mtlsTransport({ cert: client.cert, key: client.encryptedKey! }));
    expect(missing).toMatchObject({ reason: 'bad-passphrase' });
    expect((missing as Error).message).toMatch(/encrypted and no passphrase/);
  });

  it('every wrong PEM key passphrase is bad-passphrase, also when the decrypted garbage happens to pass the padding check', () => {
    const reasons = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const error = thrown(() =>
        mtlsTransport({ cert: client.cert, key: client.encryptedKey!, passphrase: `wrong-${i}` }),
      );
      reasons.add((error as TlsError).reason);
    }
    expect([...reasons]).toEqual(['bad-passphrase']);
  });

  it('a key that does not belong to the certificate → key-mismatch', async () => {
    const other = await pki.client(ca, { cn: 'someone-else' });
    const error = thrown(() => mtlsTransport({ cert: client.cert, key: other.key }));
    expect(error).toMatchObject({ reason: 'key-mismatch' });
    expectNoSecrets(error, [other.key.split('\n')[1]!]);
  });

  it('unreadable PEM → invalid-credentials naming the piece', () => {
    expect(thrown(() => mtlsTransport({ cert: 'not a certificate', key: client.key }))).toMatchObject({
      reason: 'invalid-credentials',
      message: expect.stringContaining('cert'),
    });
    expect(thrown(() => mtlsTransport({ cert: client.cert, key: 'not a key' }))).toMatchObject({
      reason: 'invalid-credentials',
      message: expect.stringContaining('key'),
    });
    expect(thrown(() => mtlsTransport({ ca: 'not a CA' }))).toMatchObject({
      reason: 'invalid-credentials',
      message: expect.stringContaining('ca'),
    });
  });

  it('file material is checked on first use: the request rejects with the TlsError and nothing is sent', async () => {
    const before = server.seen.length;
    const transport = mtlsTransport({ pfx: { file: client.pfxPath! }, passphrase: 'wrong', ca: ca.cert });
    const error = await transport(await outgoingOf(new Request(`${server.url}/never`))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ reason: 'bad-passphrase' });
    expect((error as Error).message).toContain(client.pfxPath!);
    expect(server.seen.length).toBe(before);
    await expect(transport.reload()).rejects.toMatchObject({ reason: 'bad-passphrase' });
    await transport.close();
  });

  it('a missing file is a ConfigError naming the field and path', async () => {
    const transport = mtlsTransport({
      cert: { file: '/nonexistent/client.crt' },
      key: { file: client.keyPath },
    });
    const error = await transport(await outgoingOf(new Request(`${server.url}/`))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /cert file \/nonexistent\/client\.crt could not be read \(ENOENT\)/,
    );
    await transport.close();
  });
});

describe('options are validated eagerly', () => {
  it.each([
    [{ cert: 'x' }, /cert needs key/],
    [{ key: 'x' }, /key needs cert/],
    [{ pfx: new Uint8Array(1), cert: 'x', key: 'y' }, /either pfx or cert \+ key/],
    [{ passphrase: 'x' }, /no key or pfx/],
    [{ credentials: () => ({}), cert: 'x' }, /cert cannot be combined with credentials/],
    [{ reloadInterval: 0 }, /reloadInterval must be a positive number/],
    [{ pins: [] }, /pins must be a non-empty array/],
    [{ pins: ['abc'] }, /pins\[0\] is not a base64 SHA-256 digest/],
    [{ minVersion: 'TLSv1.1' }, /minVersion/],
    [{ servername: '' }, /servername/],
    [{ connections: 1.5 }, /connections must be a positive integer/],
    [{ cert: { file: '' }, key: 'x' }, /cert\.file must be a non-empty path/],
    [{ cert: { file: '/etc/partner/tls.crt' } }, /cert needs key/],
    [{ ca: 42 }, /ca must be a PEM string or bytes/],
  ])('%o is refused', (options, message) => {
    const error = thrown(() => mtlsTransport(options as never));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });
});
