// A certificate and a private key of different key types (RSA + EC, EC + RSA, Ed25519 with either) are
// refused when loaded and when reloaded; OpenSSL itself takes such a pair without a word. A client
// certificate outside its dates gives an event with its dates when it is loaded.
import { inspect } from 'node:util';
import { secret } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MtlsCredentials, type MtlsEvent, mtlsTransport, TlsError } from '../src/index.ts';
import {
  type CertificateAuthority,
  createPki,
  type IssuedCertificate,
  type KeyType,
  type Pki,
} from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { outgoingOf } from './support/outgoing.ts';

const TYPES: readonly KeyType[] = ['ec', 'rsa', 'ed25519'];
const KIND: Readonly<Record<KeyType, string>> = {
  ec: 'an EC P-256 key',
  rsa: 'an RSA 2048-bit key',
  ed25519: 'an Ed25519 key',
};

let pki: Pki;
let ca: CertificateAuthority;
let server: HttpsTestServer;
const clients = {} as Record<KeyType, IssuedCertificate>;
const others = {} as Record<KeyType, IssuedCertificate>;

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  for (const type of TYPES) {
    clients[type] = await pki.client(ca, { cn: `acme-${type}`, keyType: type });
    others[type] = await pki.client(ca, { cn: `other-${type}`, keyType: type });
  }
  server = await startHttpsServer({ cert: serverCert.cert, key: serverCert.key, ca: ca.cert });
});

afterAll(async () => {
  await server?.close();
  await pki?.cleanup();
});

function keyBody(pem: string): string {
  return pem.split('\n')[1]!;
}

function expectNoKey(error: unknown, key: string): void {
  for (const rendering of [
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
  ]) {
    expect(rendering).not.toContain(keyBody(key));
  }
}

const pairs = TYPES.flatMap((certType) => TYPES.map((keyType) => [certType, keyType] as const));

describe('certificate and key that do not belong together', () => {
  it.each(pairs)(
    '%s certificate + %s key of another holder: key-mismatch at load, naming both kinds',
    (certType, keyType) => {
      let error: unknown;
      try {
        mtlsTransport({ cert: clients[certType].cert, key: secret(others[keyType].key), ca: ca.cert });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TlsError);
      expect(error).toMatchObject({ reason: 'key-mismatch' });
      const message = (error as Error).message;
      expect(message).toMatch(/key is .*not|does not belong|do not belong together/);
      if (certType !== keyType) {
        expect(message).toBe(
          `key is ${KIND[keyType]} but cert holds ${KIND[certType]}: they do not belong together`,
        );
      }
      expectNoKey(error, others[keyType].key);
    },
  );

  it.each(TYPES)('a %s certificate with its own key loads and is presented', async (type) => {
    const transport = mtlsTransport({
      cert: clients[type].cert,
      key: secret(clients[type].key),
      ca: ca.cert,
    });
    try {
      const response = await transport(await outgoingOf(new Request(`${server.url}/whoami`)));
      expect(((await response.json()) as { cn: string }).cn).toBe(`acme-${type}`);
    } finally {
      await transport.close();
    }
  });

  it.each(pairs.filter(([a, b]) => a !== b))(
    'reload to a %s certificate with a %s key: refused, reload-failed, the old credentials stay in use',
    async (certType, keyType) => {
      let material: MtlsCredentials = { cert: clients.ec.cert, key: secret(clients.ec.key), ca: ca.cert };
      const events: MtlsEvent[] = [];
      let clock = 0;
      const transport = mtlsTransport({
        credentials: () => material,
        reloadInterval: 1_000,
        now: () => clock,
        onEvent: (event) => events.push(event),
      });
      const cn = async () =>
        (
          (await (await transport(await outgoingOf(new Request(`${server.url}/whoami`)))).json()) as {
            cn: string;
          }
        ).cn;
      try {
        expect(await cn()).toBe('acme-ec');
        material = { cert: clients[certType].cert, key: secret(others[keyType].key), ca: ca.cert };

        // Asked for: reload() rejects, and the event says so too.
        const error = await transport.reload().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toMatchObject({ name: 'TlsError', reason: 'key-mismatch' });
        expect(await cn()).toBe('acme-ec');

        // On the interval: the event, and calls go on with the old certificate.
        clock += 1_000;
        expect(await cn()).toBe('acme-ec');
        const failures = events.filter((event) => event.type === 'mtls:reload-failed');
        expect(failures).toHaveLength(2);
        for (const failure of failures) {
          expect(failure).toMatchObject({ generation: 1, error: { reason: 'key-mismatch' } });
          expectNoKey(failure.type === 'mtls:reload-failed' ? failure.error : undefined, others[keyType].key);
        }
        expect(events.filter((event) => event.type === 'mtls:credentials-loaded')).toHaveLength(1);
      } finally {
        await transport.close();
      }
    },
  );
});

describe('a client certificate outside its dates', () => {
  it.each([
    ['expired', { notBefore: '20200101000000Z', notAfter: '20200201000000Z' }, '2020-02-01T00:00:00.000Z'],
    [
      'not-yet-valid',
      { notBefore: '20990101000000Z', notAfter: '20990201000000Z' },
      '2099-02-01T00:00:00.000Z',
    ],
  ] as const)(
    '%s: loaded (the server decides) with an event carrying its dates',
    async (reason, validity, notAfter) => {
      const stale = await pki.client(ca, { cn: `acme-${reason}`, validity });
      const events: MtlsEvent[] = [];
      const now = Date.UTC(2026, 11, 7);
      const transport = mtlsTransport({
        cert: stale.cert,
        key: secret(stale.key),
        ca: ca.cert,
        now: () => now,
        onEvent: (event) => events.push(event),
      });
      try {
        expect(events.map((event) => event.type)).toEqual([
          'mtls:credentials-loaded',
          'mtls:certificate-not-valid',
        ]);
        expect(events[1]).toEqual({
          type: 'mtls:certificate-not-valid',
          generation: 1,
          reason,
          notBefore: validity.notBefore.replace(/^(\d{4})(\d{2})(\d{2}).*/, '$1-$2-$3T00:00:00.000Z'),
          notAfter,
          checkedAt: '2026-12-07T00:00:00.000Z',
          certificate: expect.objectContaining({ subject: `CN=acme-${reason}`, notAfter }),
        });
      } finally {
        await transport.close();
      }
    },
  );

  it('a valid certificate gives no such event', async () => {
    const events: MtlsEvent[] = [];
    const transport = mtlsTransport({
      cert: clients.ec.cert,
      key: secret(clients.ec.key),
      ca: ca.cert,
      onEvent: (event) => events.push(event),
    });
    await transport.close();
    expect(events.map((event) => event.type)).not.toContain('mtls:certificate-not-valid');
  });
});
