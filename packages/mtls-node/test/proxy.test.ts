import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiKeyAuth } from '@attache/api-key';
import { ConfigError, createFetch, NetworkError, type OutgoingRequest, secret } from '@attache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mtlsTransport, nodeTransport, TlsError } from '../src/index.ts';
import { createPki, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';
import { startTinyproxy, type Tinyproxy } from './support/tinyproxy.ts';

const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'pw-for-the-proxy-7f3a';

let proxy: Tinyproxy;
let openProxy: Tinyproxy;
let target: Server;
let targetUrl: string;
const seenHeaders: IncomingHttpHeaders[] = [];
let pki: Pki;
let partner: HttpsTestServer;
let client: { cert: string; key: string };
let caCert: string;
const closers: (() => Promise<void>)[] = [];

function outgoing(url: string): OutgoingRequest {
  return {
    url,
    method: 'GET',
    headers: new Headers(),
    body: undefined,
    signal: undefined,
    redirect: 'manual',
    init: {},
  };
}

beforeAll(async () => {
  [proxy, openProxy] = await Promise.all([
    startTinyproxy({ user: PROXY_USER, password: PROXY_PASSWORD }),
    startTinyproxy(),
  ]);
  target = createServer((request, response) => {
    seenHeaders.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ path: request.url, key: request.headers['x-api-key'] ?? null }));
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;

  pki = await createPki();
  const ca = await pki.ca('Proxy Test CA');
  const serverCert = await pki.server(ca);
  const issued = await pki.client(ca, { cn: 'proxied-client' });
  client = { cert: issued.cert, key: issued.key };
  caCert = ca.cert;
  partner = await startHttpsServer({ cert: serverCert.cert, key: serverCert.key, ca: ca.cert });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  seenHeaders.length = 0;
  await Promise.all(closers.splice(0).map((close) => close()));
});

afterAll(async () => {
  await Promise.all([proxy?.close(), openProxy?.close(), partner?.close(), pki?.cleanup()]);
  target?.close();
});

function node(options: Parameters<typeof nodeTransport>[0]) {
  const transport = nodeTransport(options);
  closers.push(() => transport.destroy());
  return transport;
}

describe('nodeTransport through a real forward proxy (tinyproxy)', () => {
  it('forwards http calls through an explicit proxy URL with credentials, API key intact', async () => {
    const partnerFetch = createFetch({
      baseUrl: targetUrl,
      auth: apiKeyAuth({ key: secret('ak_live_through_proxy') }),
      transport: node({ proxy: secret(proxy.url) }),
    });
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => partnerFetch(`orders/${i}`).then((r) => r.json())),
    );
    expect(answers).toEqual(
      Array.from({ length: 5 }, (_, i) => ({ path: `/orders/${i}`, key: 'ak_live_through_proxy' })),
    );
    // tinyproxy marks what it forwarded; the proxy's own credentials are not passed on.
    expect(seenHeaders).toHaveLength(5);
    for (const headers of seenHeaders) {
      expect(headers.via).toMatch(/tinyproxy/);
      expect(headers['proxy-authorization']).toBeUndefined();
    }
  });

  it('tunnels https with CONNECT: the client certificate reaches the partner, not the proxy', async () => {
    const transport = mtlsTransport({
      cert: client.cert,
      key: secret(client.key),
      ca: caCert,
      proxy: proxy.url,
    });
    closers.push(() => transport.destroy());
    const before = partner.seen.length;
    const responses = await Promise.all(
      Array.from({ length: 4 }, (_, i) => transport(outgoing(`${partner.url}/mtls/${i}`))),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(bodies).toEqual(
      Array.from({ length: 4 }, (_, i) => ({ cn: 'proxied-client', path: `/mtls/${i}` })),
    );
    expect(partner.seen.length - before).toBe(4);
    expect(proxy.log()).toContain(`CONNECT 127.0.0.1:${partner.port}`);
  });

  it('TLS failures inside the tunnel are still a TlsError: an untrusted partner is unknown-ca', async () => {
    const otherCa = await pki.ca('Not The Partner CA');
    const transport = mtlsTransport({
      cert: client.cert,
      key: secret(client.key),
      ca: otherCa.cert,
      proxy: proxy.url,
    });
    closers.push(() => transport.destroy());
    const error = await transport(outgoing(`${partner.url}/untrusted`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: 'TLS', reason: 'unknown-ca', isRetryable: false });
    expect((error as Error).message).not.toContain(PROXY_PASSWORD);
  });

  it('a proxy that refuses the credentials is a NetworkError that never shows them', async () => {
    const wrong = `http://${PROXY_USER}:not-the-${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`;
    const transport = mtlsTransport({ cert: client.cert, key: secret(client.key), ca: caCert, proxy: wrong });
    closers.push(() => transport.destroy());
    const error = await transport(outgoing(`${partner.url}/refused`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    const text = `${(error as Error).message} ${JSON.stringify((error as NetworkError).request)}`;
    // tinyproxy refuses bad credentials with 401 where RFC 9110 says 407.
    expect(text).toMatch(/Proxy response \(40[17]\)/);
    expect(text).not.toContain(PROXY_PASSWORD);

    const plain = node({ proxy: wrong });
    const httpsError = await plain(outgoing(`${partner.url}/refused`)).catch((e: unknown) => e);
    expect(httpsError).toBeInstanceOf(NetworkError);
    expect((httpsError as Error).message).toMatch(/Proxy response \(40[17]\)/);
    expect((httpsError as Error).message).not.toContain(PROXY_PASSWORD);
  });

  it("'env' honours HTTP_PROXY and NO_PROXY; without it the environment is ignored", async () => {
    vi.stubEnv('HTTP_PROXY', openProxy.url);
    vi.stubEnv('HTTPS_PROXY', openProxy.url);
    vi.stubEnv('NO_PROXY', '');
    await (await node({ proxy: 'env' })(outgoing(`${targetUrl}/env`))).json();
    await (await node({})(outgoing(`${targetUrl}/direct`))).json();
    vi.stubEnv('NO_PROXY', '127.0.0.1');
    await (await node({ proxy: 'env' })(outgoing(`${targetUrl}/excluded`))).json();
    expect(seenHeaders.map((headers) => /tinyproxy/.test(String(headers.via ?? '')))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it.each([
    ['not a url with s3cret', 'absolute http'],
    ['ftp://proxy.example:21', 'http: or https:'],
  ])('refuses proxy %s with a ConfigError that does not repeat it', (value, message) => {
    expect(() => nodeTransport({ proxy: value })).toThrow(ConfigError);
    expect(() => nodeTransport({ proxy: value })).toThrow(message);
    expect(() => nodeTransport({ proxy: value })).not.toThrow('s3cret');
  });
});

describe('mtlsTransport proxy option', () => {
  it('is checked when the transport is created, even with material loaded later', () => {
    expect(() =>
      mtlsTransport({
        cert: { file: '/nonexistent.crt' },
        key: { file: '/nonexistent.key' },
        proxy: 'nope s3cret',
      }),
    ).toThrow(ConfigError);
  });
});
