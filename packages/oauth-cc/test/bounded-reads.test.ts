// Bounded reads against a real HTTP server on loopback (no msw: the point is what a real socket does).
// A token or metadata answer larger than maxResponseBytes is refused without being read, a 50 MB answer
// leaves memory flat, and a body that trickles in is cut at the deadline.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigError, TokenAcquisitionError } from '@attache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsAuth, DiscoveryError, discover } from '../src/index.ts';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let handler: Handler = (_request, response) => response.end();
let server: Server;
let base: string;
/** Bytes the server managed to hand to the socket for the current test's answers. */
let written = 0;

beforeAll(async () => {
  server = createServer((request, response) => handler(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  written = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Streams `total` bytes of a JSON string value, with backpressure, until done or the client goes away. */
function stream(response: ServerResponse, total: number, headers: Record<string, string> = {}): void {
  response.writeHead(200, { 'content-type': 'application/json', ...headers });
  response.write('{"access_token":"');
  let sent = 0;
  let closed = false;
  response.on('close', () => {
    closed = true;
  });
  const pump = (): void => {
    while (!closed && sent < total) {
      sent += CHUNK.length;
      written += CHUNK.length;
      if (!response.write(CHUNK)) {
        response.once('drain', pump);
        return;
      }
    }
    if (!closed) response.end('","token_type":"Bearer","expires_in":3600}');
  };
  pump();
}

let clients = 0;
function auth(extra: Record<string, unknown> = {}) {
  return clientCredentialsAuth({
    tokenEndpoint: `${base}/token`,
    clientId: `bounded-${++clients}`,
    clientSecret: 'client-secret',
    retry: false,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('token endpoint answers are read with a size cap', () => {
  it('a 50 MB streamed answer (no Content-Length) is cut past 64 KiB, and memory stays flat', async () => {
    handler = (_request, response) => stream(response, 50 * MB);
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const error = await failure(auth().source.get());
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'response_too_large', status: 200, isRetryable: false });
    expect((error as Error).message).toMatch(/more than 65536 bytes \(maxResponseBytes\)/);
    // Reading the whole answer would hold 50 MB of bytes and a 50 MB string; the cap holds 64 KiB.
    const growth = (peak - before) / MB;
    expect(growth).toBeLessThan(16);
    // The client hung up: the server could not hand over more than its socket buffers took.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written).toBeLessThan(16 * MB);
  });

  it('a declared Content-Length above the cap is refused before the body is read', async () => {
    handler = (_request, response) => stream(response, 10 * MB, { 'content-length': String(10 * MB + 59) });
    const error = await failure(auth().source.get());
    expect(error).toMatchObject({ error: 'response_too_large' });
    expect(written).toBeLessThan(8 * MB);
  });

  it('the cap is an option: an answer just under it is read, just over it refused', async () => {
    const body = JSON.stringify({ access_token: 't'.repeat(900), token_type: 'Bearer', expires_in: 60 });
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    };
    const size = Buffer.byteLength(body);
    expect((await auth({ maxResponseBytes: size }).source.get()).value.reveal()).toHaveLength(900);
    expect(await failure(auth({ maxResponseBytes: size - 1 }).source.get())).toMatchObject({
      error: 'response_too_large',
    });
    for (const bad of [0, -1, 1.5, '64k', Number.NaN]) {
      expect(() => auth({ maxResponseBytes: bad })).toThrow(ConfigError);
    }
  });

  it('a body that trickles in is cut at the deadline (fetchTimeout)', async () => {
    const timers: NodeJS.Timeout[] = [];
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"access_token":"');
      timers.push(setInterval(() => response.write('a'), 100));
    };
    const started = Date.now();
    const error = await failure(auth({ tokenSource: { fetchTimeout: 800 } }).source.get());
    const elapsed = Date.now() - started;
    for (const timer of timers) clearInterval(timer);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect((error as Error).message).toMatch(/timed out after 800 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(2_500);
  });
});

describe('discovery documents are read with a size cap', () => {
  it('a 50 MB metadata document is refused past 64 KiB with a DiscoveryError', async () => {
    handler = (_request, response) => stream(response, 50 * MB);
    gc();
    const before = process.memoryUsage().rss;
    const error = await failure(discover(`${base}/issuer-a`, { cache: false }));
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'invalid_metadata' });
    expect((error as Error).message).toMatch(/more than 65536 bytes \(maxResponseBytes\)/);
    expect((process.memoryUsage().rss - before) / MB).toBeLessThan(16);
  });

  it('maxResponseBytes applies to discovery through clientCredentialsAuth too', async () => {
    const issuer = `${base}/issuer-b`;
    const metadata = JSON.stringify({ issuer, token_endpoint: `${base}/token`, padding: 'p'.repeat(4096) });
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(metadata);
    };
    const small = clientCredentialsAuth({ issuer, clientId: 'c', clientSecret: 's', maxResponseBytes: 1024 });
    expect(await failure(small.source.get())).toBeInstanceOf(DiscoveryError);
    await expect(discover(issuer, { cache: false, maxResponseBytes: 0 })).rejects.toThrow(ConfigError);
  });
});
