import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPki, type Pki } from './fixtures/pki.ts';
import { type HttpsTestServer, startHttpsServer } from './support/https-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const API_KEY = 'ak_live_readme_example';

let pki: Pki;
let server: HttpsTestServer;

beforeAll(async () => {
  pki = await createPki();
  const ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  const client = await pki.client(ca, { cn: 'readme-client' });
  server = await startHttpsServer({
    cert: serverCert.cert,
    key: serverCert.key,
    ca: ca.cert,
    handler: (_request, response, seen) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ accounts: [{ id: 'acc-1' }], cn: seen.cn, apiKey: seen.headers['x-api-key'] }),
      );
    },
  });
  vi.stubEnv('PARTNER_CERT_FILE', client.certPath);
  vi.stubEnv('PARTNER_KEY_FILE', client.keyPath);
  vi.stubEnv('PARTNER_CA_FILE', ca.certPath);
  vi.stubEnv('PARTNER_URL', server.url);
  vi.stubEnv('PARTNER_API_KEY', API_KEY);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  await pki?.cleanup();
});

/** The first ```ts block after `heading` in the README. */
async function readmeBlock(heading: string): Promise<string> {
  const readme = await readFile(join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no ts block after ${heading}`);
  return match[1];
}

describe('README', () => {
  it('runs the quick example against a real mutual-TLS server', async () => {
    const source = (await readmeBlock('## Quick example'))
      .replace("from '@attache/mtls-node'", "from '../src/index.ts'")
      .replace("from '@attache/api-key'", "from '../../api-key/src/index.ts'");
    const file = join(here, `.readme-example-${process.pid}.ts`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let printed: unknown[][] = [];
    await writeFile(file, source);
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      printed = [...log.mock.calls];
      await rm(file, { force: true });
      log.mockRestore();
    }
    expect(printed).toEqual([[{ accounts: [{ id: 'acc-1' }], cn: 'readme-client', apiKey: API_KEY }]]);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({ path: '/accounts', cn: 'readme-client' });
  });

  it('runs the nodeTransport example against a loopback partner, environment proxies unset', async () => {
    const keys: unknown[] = [];
    const partner = createServer((request, response) => {
      keys.push(request.headers['x-api-key']);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ orders: [{ id: 'o-1' }], path: request.url }));
    });
    partner.listen(0, '127.0.0.1');
    await once(partner, 'listening');
    const origin = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) vi.stubEnv(name, '');
    vi.stubEnv('PARTNER_KEY', 'ak_live_node_readme');
    const source = (await readmeBlock('## `nodeTransport(options)`'))
      .replace("'https://api.partner.example'", JSON.stringify(origin))
      .replace("from '@attache/mtls-node'", "from '../src/index.ts'")
      .replace("from '@attache/api-key'", "from '../../api-key/src/index.ts'");
    const file = join(here, `.readme-node-example-${process.pid}.ts`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let printed: unknown[][] = [];
    await writeFile(file, source);
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      printed = [...log.mock.calls];
      await rm(file, { force: true });
      log.mockRestore();
      partner.close();
    }
    expect(printed).toEqual([[{ orders: [{ id: 'o-1' }], path: '/orders' }]]);
    expect(keys).toEqual(['ak_live_node_readme']);
  });
});
