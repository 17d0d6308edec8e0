import { once } from 'node:events';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { OutgoingRequest } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtlsTransport } from '../src/index.ts';
import { createPki, type Pki } from './fixtures/pki.ts';

let pki: Pki;
let server: Http2SecureServer;
let url: string;
let caCert: string;
const versions: string[] = [];
const sessions = new Set<unknown>();

beforeAll(async () => {
  pki = await createPki();
  const ca = await pki.ca('H2 Test CA');
  const serverCert = await pki.server(ca);
  caCert = ca.cert;
  server = createSecureServer(
    { cert: serverCert.cert, key: serverCert.key, allowHTTP1: true },
    (request, response) => {
      versions.push(request.httpVersion);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url, version: request.httpVersion }));
    },
  );
  server.on('session', (session) => sessions.add(session));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await pki?.cleanup();
});

function outgoing(path: string): OutgoingRequest {
  return {
    url: `${url}${path}`,
    method: 'GET',
    headers: new Headers(),
    body: undefined,
    signal: undefined,
    redirect: 'manual',
    init: {},
  };
}

describe('allowH2', () => {
  it('speaks HTTP/2 when the server picks it (the default) and multiplexes calls on one session', async () => {
    const transport = mtlsTransport({ ca: caCert });
    try {
      versions.length = 0;
      sessions.clear();
      const bodies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => transport(outgoing(`/h2/${i}`)).then((r) => r.json())),
      );
      expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => ({ path: `/h2/${i}`, version: '2.0' })));
      expect(sessions.size).toBe(1);
    } finally {
      await transport.destroy();
    }
  });

  it('stays on HTTP/1.1 with allowH2: false', async () => {
    const transport = mtlsTransport({ ca: caCert, allowH2: false });
    try {
      versions.length = 0;
      const body = await (await transport(outgoing('/h1'))).json();
      expect(body).toEqual({ path: '/h1', version: '1.1' });
    } finally {
      await transport.destroy();
    }
  });
});
