import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MtlsCredentials,
  type MtlsEvent,
  type MtlsTransport,
  mtlsTransport,
  TlsError,
} from '../src/index.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { gate, type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { outgoingOf } from './support/outgoing.ts';

let pki: Pki;
let ca: CertificateAuthority;
let v1: IssuedCertificate;
let v2: IssuedCertificate;
let v3: IssuedCertificate;
let expired: IssuedCertificate;
let server: HttpsTestServer;
/** Requests to `/slow` are held until the test opens this gate. */
let slow = gate();

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  [v1, v2, v3, expired] = await Promise.all([
    pki.client(ca, { cn: 'acme-2025' }),
    pki.client(ca, { cn: 'acme-2026' }),
    pki.client(ca, { cn: 'acme-2027' }),
    pki.client(ca, {
      cn: 'acme-expired',
      validity: { notBefore: '20200101000000Z', notAfter: '20200201000000Z' },
    }),
  ]);
  server = await startHttpsServer({
    cert: serverCert.cert,
    key: serverCert.key,
    ca: ca.cert,
    handler: async (_request, response, seen) => {
      if (seen.path.startsWith('/slow')) await slow.wait;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ cn: seen.cn, connection: seen.connection }));
    },
  });
});

afterAll(async () => {
  await server?.close();
  await pki?.cleanup();
});

interface Answer {
  readonly cn: string;
  readonly connection: number;
}

async function call(transport: MtlsTransport, path: string): Promise<Answer> {
  const response = await transport(await outgoingOf(new Request(`${server.url}${path}`)));
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

/** Collects events and lets a test wait for one. */
function eventLog(): {
  readonly events: MtlsEvent[];
  onEvent(event: MtlsEvent): void;
  next(type: MtlsEvent['type']): Promise<MtlsEvent>;
} {
  const events: MtlsEvent[] = [];
  const waiting: { type: MtlsEvent['type']; resolve: (event: MtlsEvent) => void }[] = [];
  return {
    events,
    onEvent(event) {
      events.push(event);
      for (const waiter of [...waiting]) {
        if (event.type === waiter.type) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    },
    next(type) {
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}

async function writePair(dir: string, pair: IssuedCertificate): Promise<void> {
  await writeFile(join(dir, 'tls.crt'), pair.cert);
  await writeFile(join(dir, 'tls.key'), pair.key);
}

describe('rotation without restart', () => {
  it('files replaced while requests run: new connections use the new certificate, in-flight ones finish on the old', async () => {
    slow = gate();
    const dir = join(pki.dir, 'rotate-files');
    await mkdir(dir, { recursive: true });
    await writePair(dir, v1);
    let clock = 1_000_000;
    const log = eventLog();
    const transport = mtlsTransport({
      cert: { file: join(dir, 'tls.crt') },
      key: { file: join(dir, 'tls.key') },
      ca: ca.cert,
      reloadInterval: 30_000,
      now: () => clock,
      onEvent: log.onEvent,
    });
    const start = server.seen.length;

    // Ten requests held open on the first certificate.
    const inFlight = Array.from({ length: 10 }, (_, i) => call(transport, `/slow/${i}`));
    await server.received(start + 10);

    await writePair(dir, v2);
    clock += 29_999;
    expect((await call(transport, '/before-interval')).cn).toBe('acme-2025');
    clock += 1;
    const closedFirst = log.next('mtls:agent-closed');
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => call(transport, `/fast/${i}`)));
    expect(after.map((a) => a.cn)).toEqual(Array(10).fill('acme-2026'));

    slow.open();
    const finished = await Promise.all(inFlight);
    expect(finished.map((a) => a.cn)).toEqual(Array(10).fill('acme-2025'));
    const oldConnections = new Set(finished.map((a) => a.connection));
    expect(after.some((a) => oldConnections.has(a.connection))).toBe(false);

    // Once its last request finished, the old agent closes.
    expect(await closedFirst).toEqual({ type: 'mtls:agent-closed', generation: 1 });
    const loads = log.events.filter((e) => e.type === 'mtls:credentials-loaded');
    expect(loads.map((e) => [e.generation, e.trigger, e.certificate?.subject])).toEqual([
      [1, 'initial', 'CN=acme-2025'],
      [2, 'interval', 'CN=acme-2026'],
    ]);
    await transport.close();
  });

  it('a Kubernetes-style symlink swap of the whole directory is picked up', async () => {
    const root = join(pki.dir, 'rotate-symlink');
    await mkdir(join(root, 'v1'), { recursive: true });
    await mkdir(join(root, 'v2'), { recursive: true });
    await writePair(join(root, 'v1'), v1);
    await writePair(join(root, 'v2'), v2);
    await symlink(join(root, 'v1'), join(root, '..data'));
    let clock = 0;
    const transport = mtlsTransport({
      cert: { file: join(root, '..data', 'tls.crt') },
      key: { file: join(root, '..data', 'tls.key') },
      ca: ca.cert,
      reloadInterval: 1_000,
      now: () => clock,
    });
    expect((await call(transport, '/')).cn).toBe('acme-2025');
    await symlink(join(root, 'v2'), join(root, '..data_tmp'));
    await rename(join(root, '..data_tmp'), join(root, '..data'));
    clock += 1_000;
    expect((await call(transport, '/')).cn).toBe('acme-2026');
    await transport.close();
  });

  it('a provider rotated with reload(): in-flight requests finish on the old certificate, exact counts', async () => {
    slow = gate();
    let current: MtlsCredentials = { cert: v1.cert, key: v1.key, ca: ca.cert };
    let calls = 0;
    const log = eventLog();
    const transport = mtlsTransport({
      credentials: () => {
        calls++;
        return current;
      },
      reloadInterval: false,
      onEvent: log.onEvent,
    });
    const start = server.seen.length;
    const oldBatch = Array.from({ length: 8 }, (_, i) => call(transport, `/slow/old-${i}`));
    await server.received(start + 8);

    current = { cert: v2.cert, key: v2.key, ca: ca.cert };
    const closedFirst = log.next('mtls:agent-closed');
    await transport.reload();
    const newBatch = Array.from({ length: 8 }, (_, i) => call(transport, `/slow/new-${i}`));
    await server.received(start + 16);
    slow.open();
    const [oldAnswers, newAnswers] = await Promise.all([Promise.all(oldBatch), Promise.all(newBatch)]);
    expect(oldAnswers.map((a) => a.cn)).toEqual(Array(8).fill('acme-2025'));
    expect(newAnswers.map((a) => a.cn)).toEqual(Array(8).fill('acme-2026'));
    expect(calls).toBe(2);
    expect(await closedFirst).toMatchObject({ generation: 1 });
    expect(await transport.certificate()).toMatchObject({ subject: 'CN=acme-2026' });
    await transport.close();
  });

  it('one provider call per interval, however many requests arrive together; unchanged material keeps the agent', async () => {
    let clock = 0;
    let calls = 0;
    const log = eventLog();
    const transport = mtlsTransport({
      credentials: async () => {
        calls++;
        return { cert: v1.cert, key: v1.key, ca: ca.cert };
      },
      reloadInterval: 5_000,
      now: () => clock,
      onEvent: log.onEvent,
    });
    await Promise.all(Array.from({ length: 20 }, () => call(transport, '/')));
    expect(calls).toBe(1);
    clock += 5_000;
    await Promise.all(Array.from({ length: 20 }, () => call(transport, '/')));
    expect(calls).toBe(2);
    expect(log.events.filter((e) => e.type === 'mtls:credentials-loaded')).toHaveLength(1);
    await transport.close();
  });

  it('unusable new material (a half-written rotation) keeps the old certificate and is retried next interval', async () => {
    const dir = join(pki.dir, 'rotate-half');
    await mkdir(dir, { recursive: true });
    await writePair(dir, v1);
    let clock = 0;
    const log = eventLog();
    const transport = mtlsTransport({
      cert: { file: join(dir, 'tls.crt') },
      key: { file: join(dir, 'tls.key') },
      ca: ca.cert,
      reloadInterval: 1_000,
      now: () => clock,
      onEvent: log.onEvent,
    });
    expect((await call(transport, '/')).cn).toBe('acme-2025');

    await writeFile(join(dir, 'tls.crt'), v3.cert); // the key is still v1's
    clock += 1_000;
    expect((await call(transport, '/')).cn).toBe('acme-2025');
    const failed = log.events.find((e) => e.type === 'mtls:reload-failed');
    expect(failed).toMatchObject({ generation: 1, error: expect.any(TlsError) });
    expect(failed?.type === 'mtls:reload-failed' && (failed.error as TlsError).reason).toBe('key-mismatch');
    expect(failed?.type === 'mtls:reload-failed' && failed.error.message).not.toContain(
      v1.key.split('\n')[1],
    );

    await writeFile(join(dir, 'tls.key'), v3.key);
    clock += 999;
    expect((await call(transport, '/')).cn).toBe('acme-2025');
    clock += 1;
    expect((await call(transport, '/')).cn).toBe('acme-2027');
    await expect(transport.reload()).resolves.toBeUndefined();
    await transport.close();
  });

  it('a certificate the server refuses makes the next request re-read at once, without waiting for the interval', async () => {
    let current: MtlsCredentials = { cert: expired.cert, key: expired.key, ca: ca.cert };
    let calls = 0;
    const transport = mtlsTransport({
      credentials: () => {
        calls++;
        return current;
      },
      reloadInterval: 3_600_000,
      now: () => Date.now(),
    });
    await expect(call(transport, '/')).rejects.toMatchObject({ reason: 'certificate-expired' });
    current = { cert: v2.cert, key: v2.key, ca: ca.cert };
    expect((await call(transport, '/')).cn).toBe('acme-2026');
    expect(calls).toBe(2);
    await transport.close();
  });
});

describe('closing', () => {
  it('close() lets in-flight requests finish, then refuses new ones', async () => {
    slow = gate();
    const transport = mtlsTransport({ cert: v1.cert, key: v1.key, ca: ca.cert });
    const start = server.seen.length;
    const pending = call(transport, '/slow/closing');
    await server.received(start + 1);
    const closing = transport.close();
    await expect(transport(await outgoingOf(new Request(`${server.url}/after`)))).rejects.toBeInstanceOf(
      ConfigError,
    );
    slow.open();
    expect((await pending).cn).toBe('acme-2025');
    await closing;
    await expect(transport.reload()).rejects.toThrow(/was closed/);
  });

  it('destroy() fails in-flight requests at once', async () => {
    slow = gate();
    const transport = mtlsTransport({ cert: v1.cert, key: v1.key, ca: ca.cert });
    const start = server.seen.length;
    const pending = call(transport, '/slow/destroyed').catch((e: unknown) => e);
    await server.received(start + 1);
    await transport.destroy();
    expect(await pending).toMatchObject({ code: 'NETWORK' });
    slow.open();
  });
});
