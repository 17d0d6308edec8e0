import { type AttacheEvent, createFetch } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MtlsCredentials, mtlsTransport } from '../src/index.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';

let pki: Pki;
let ca: CertificateAuthority;
let v1: IssuedCertificate;
let v2: IssuedCertificate;
let server: HttpsTestServer;

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  [v1, v2] = await Promise.all([pki.client(ca, { cn: 'acme-2025' }), pki.client(ca, { cn: 'acme-2026' })]);
  server = await startHttpsServer({
    cert: serverCert.cert,
    key: serverCert.key,
    ca: ca.cert,
    handler: (_request, response, seen) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ cn: seen.cn }));
    },
  });
});

afterAll(async () => {
  await server?.close();
  await pki?.cleanup();
});

describe('mTLS events join the client’s one event stream', () => {
  it('a client given the transport receives its loads and closes, besides its own call events', async () => {
    let current: MtlsCredentials = { cert: v1.cert, key: v1.key, ca: ca.cert };
    const own: string[] = [];
    const transport = mtlsTransport({
      credentials: () => current,
      reloadInterval: false,
      onEvent: (event) => own.push(event.type),
    });
    const events: AttacheEvent[] = [];
    const onEvent = (event: AttacheEvent) => events.push(event);
    const partnerFetch = createFetch({ baseUrl: server.url, transport, onEvent });
    // A second client with the same listener: the transport calls it once per event, not twice.
    createFetch({ baseUrl: server.url, transport, onEvent });
    expect(await (await partnerFetch('first')).json()).toEqual({ cn: 'acme-2025' });
    current = { cert: v2.cert, key: v2.key, ca: ca.cert };
    await transport.reload();
    expect(await (await partnerFetch('second')).json()).toEqual({ cn: 'acme-2026' });
    await transport.close();

    const mtls = events.filter((e) => e.type.startsWith('mtls:'));
    expect(
      mtls.filter((e) => e.type === 'mtls:credentials-loaded').map((e) => [e.generation, e.trigger]),
    ).toEqual([
      [1, 'initial'],
      [2, 'manual'],
    ]);
    expect(
      mtls
        .filter((e) => e.type === 'mtls:agent-closed')
        .map((e) => e.generation)
        .sort(),
    ).toEqual([1, 2]);
    expect(mtls).toHaveLength(4);
    // They belong to no call; the calls' own events still carry theirs.
    expect(mtls.every((e) => e.callId === undefined)).toBe(true);
    expect(events.filter((e) => e.type === 'request:end').every((e) => e.callId !== undefined)).toBe(true);
    // The transport's own listener still gets them all.
    expect(own).toEqual(mtls.map((e) => e.type));
  });

  it('a client without onEvent subscribes nothing', async () => {
    const transport = mtlsTransport({ cert: v1.cert, key: v1.key, ca: ca.cert, reloadInterval: false });
    let subscribed = 0;
    const original = transport.subscribe.bind(transport);
    transport.subscribe = (listener) => {
      subscribed++;
      return original(listener);
    };
    createFetch({ baseUrl: server.url, transport });
    expect(subscribed).toBe(0);
    createFetch({ baseUrl: server.url, transport, onEvent: () => {} });
    expect(subscribed).toBe(1);
    await transport.close();
  });
});
