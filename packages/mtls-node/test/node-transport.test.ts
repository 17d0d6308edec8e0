import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { apiKeyAuth } from '@attache/api-key';
import {
  ConfigError,
  createFetch,
  isAttacheError,
  NetworkError,
  type OutgoingRequest,
  secret,
} from '@attache/core';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NodeTransport, nodeTransport } from '../src/index.ts';

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

let server: Server;
let base: string;
let handler: Handler;
const sockets = new Set<Socket>();
let connectionCount = 0;
const transports: NodeTransport[] = [];

function transport(options: Parameters<typeof nodeTransport>[0] = {}): NodeTransport {
  const created = nodeTransport(options);
  transports.push(created);
  return created;
}

function outgoing(path: string, init: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return {
    url: `${base}${path}`,
    method: 'GET',
    headers: new Headers(),
    body: undefined,
    signal: undefined,
    redirect: 'manual',
    init: {},
    ...init,
  };
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    handler(request, response, Buffer.concat(chunks));
  });
  server.on('connection', (socket: Socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.destroy()));
  for (const socket of sockets) socket.destroy();
  connectionCount = 0;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

describe('nodeTransport: answers', () => {
  it('hands back status, status text, every header (repeated ones too) and the body', async () => {
    handler = (_request, response) => {
      response.statusMessage = 'Created Here';
      response.statusCode = 201;
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.setHeader('content-type', 'application/json');
      response.setHeader('x-partner', 'yes');
      response.end('{"ok":true}');
    };
    const response = await transport()(outgoing('/thing'));
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Created Here');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-partner')).toBe('yes');
    expect(response.url).toBe(`${base}/thing`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('sends method, path with query, headers and body bytes exactly (property)', async () => {
    handler = (request, response, body) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          method: request.method,
          url: request.url,
          header: request.headers['x-value'] ?? null,
          body: body.toString('base64'),
        }),
      );
    };
    const send = transport();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
        fc.stringMatching(/^[a-z0-9]{1,12}$/),
        fc.stringMatching(/^[A-Za-z0-9 !#$%&'*+.^_`|~-]{1,40}$/).map((value) => value.trim() || 'x'),
        fc.uint8Array({ maxLength: 4096 }),
        async (method, query, header, bytes) => {
          const response = await send(
            outgoing(`/echo/${query}?q=${query}`, {
              method,
              headers: new Headers({ 'x-value': header }),
              body: new Uint8Array(bytes),
            }),
          );
          expect(await response.json()).toEqual({
            method,
            url: `/echo/${query}?q=${query}`,
            header,
            body: Buffer.from(bytes).toString('base64'),
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('streams a ReadableStream body to the server', async () => {
    handler = (_request, response, body) => response.end(`got ${body.length}`);
    const parts = ['first,', 'second,', 'third'];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    const response = await transport()(outgoing('/upload', { method: 'POST', body }));
    expect(await response.text()).toBe(`got ${parts.join('').length}`);
  });

  it('gives 204, 304 and HEAD answers a null body', async () => {
    handler = (request, response) => {
      response.statusCode = Number(request.url?.slice(1) ?? 200);
      response.setHeader('etag', '"v1"');
      response.end();
    };
    const send = transport();
    for (const status of [204, 304]) {
      const response = await send(outgoing(`/${status}`));
      expect(response.status).toBe(status);
      expect(response.body).toBeNull();
      expect(response.headers.get('etag')).toBe('"v1"');
    }
    const head = await send(outgoing('/200', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('returns a redirect as it is, never following it', async () => {
    let hits = 0;
    handler = (_request, response) => {
      hits++;
      response.statusCode = 302;
      response.setHeader('location', '/elsewhere');
      response.end();
    };
    const response = await transport()(outgoing('/moved'));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
    expect(hits).toBe(1);
  });

  it('streams a large body with backpressure, byte for byte', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const count = 80;
    handler = (_request, response) => {
      let sent = 0;
      const write = (): void => {
        while (sent < count) {
          sent++;
          if (!response.write(chunk)) {
            response.once('drain', write);
            return;
          }
        }
        response.end();
      };
      write();
    };
    const response = await transport()(outgoing('/large'));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(chunk.length * count);
    expect(bytes.every((byte) => byte === 7)).toBe(true);
  });
});

describe('nodeTransport: connections', () => {
  it('keeps connections alive and caps them per origin with `connections`', async () => {
    handler = (_request, response) => setTimeout(() => response.end('ok'), 5);
    const send = transport({ connections: 3 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => send(outgoing('/pooled')).then((r) => r.text())),
    );
    expect(answers).toEqual(Array.from({ length: 30 }, () => 'ok'));
    expect(connectionCount).toBe(3);
    await Promise.all(Array.from({ length: 10 }, () => send(outgoing('/again')).then((r) => r.text())));
    expect(connectionCount).toBe(3);
  });

  it('one connection in series serves every request', async () => {
    handler = (_request, response) => response.end('ok');
    const send = transport({ connections: 1 });
    for (let i = 0; i < 20; i++) expect(await (await send(outgoing(`/n${i}`))).text()).toBe('ok');
    expect(connectionCount).toBe(1);
  });

  it('pipelines requests on one connection when asked', async () => {
    const order: string[] = [];
    handler = (request, response) => {
      order.push(request.url ?? '');
      response.end(request.url);
    };
    const send = transport({ connections: 1, pipelining: 4 });
    const answers = await Promise.all(
      ['/p1', '/p2', '/p3', '/p4'].map((path) => send(outgoing(path)).then((r) => r.text())),
    );
    expect(answers).toEqual(['/p1', '/p2', '/p3', '/p4']);
    expect(order).toEqual(['/p1', '/p2', '/p3', '/p4']);
    expect(connectionCount).toBe(1);
  });

  it('refuses to send after close()', async () => {
    const send = transport();
    await send.close();
    await expect(send(outgoing('/late'))).rejects.toBeInstanceOf(ConfigError);
  });

  it.each([
    [{ connections: 0 }, 'connections'],
    [{ connections: 1.5 }, 'connections'],
    [{ pipelining: -1 }, 'pipelining'],
    [{ keepAliveTimeout: Number.NaN }, 'keepAliveTimeout'],
    [{ connectTimeout: 0 }, 'connectTimeout'],
    [{ headersTimeout: -5 }, 'headersTimeout'],
    [{ allowH2: 'yes' as unknown as boolean }, 'allowH2'],
  ])('rejects %o with a ConfigError naming the field', (options, field) => {
    expect(() => nodeTransport(options)).toThrow(ConfigError);
    expect(() => nodeTransport(options)).toThrow(field);
  });
});

describe('nodeTransport: failures', () => {
  it('a refused connection is a retryable NetworkError that names neither query nor headers', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const error = await transport()({
      ...outgoing('/'),
      url: `http://127.0.0.1:${port}/accounts?api_key=sk_live_hidden`,
      headers: new Headers({ authorization: 'Bearer sk_live_header' }),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect(isAttacheError(error) && error.isRetryable).toBe(true);
    const text = `${(error as Error).message} ${JSON.stringify((error as NetworkError).request)}`;
    expect(text).toContain(`http://127.0.0.1:${port}/accounts`);
    expect(text).toContain('ECONNREFUSED');
    expect(text).not.toContain('sk_live');
  });

  it('a connection lost mid-body errors the body with a NetworkError', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('partial');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const response = await transport()(outgoing('/cut'));
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toBeInstanceOf(NetworkError);
  });

  it('an abort before the answer rejects with the signal’s reason and the server sees the connection close', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let serverClosed!: Promise<unknown>;
    handler = (request, _response) => {
      serverClosed = once(request.socket, 'close');
      arrived();
    };
    const controller = new AbortController();
    const pending = transport()(outgoing('/slow', { signal: controller.signal }));
    await requestArrived;
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await serverClosed;
  });

  it('an abort mid-body errors the body with the reason', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first part');
    };
    const controller = new AbortController();
    const response = await transport()(outgoing('/half', { signal: controller.signal }));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first part');
    controller.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(reader.read()).rejects.toMatchObject({ name: 'TimeoutError', message: 'deadline' });
  });

  it('an already aborted signal sends nothing', async () => {
    let hits = 0;
    handler = (_request, response) => {
      hits++;
      response.end();
    };
    const reason = new Error('too late');
    await expect(transport()(outgoing('/never', { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(hits).toBe(0);
  });
});

describe('nodeTransport under createFetch', () => {
  it('carries the API key, and the pipeline follows a same-origin redirect over it', async () => {
    const keys: (string | undefined)[] = [];
    handler = (request, response) => {
      keys.push(request.headers['x-api-key'] as string | undefined);
      if (request.url === '/old') {
        response.statusCode = 307;
        response.setHeader('location', '/new');
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url }));
    };
    const send = transport({ connections: 4 });
    const partner = createFetch({
      baseUrl: base,
      auth: apiKeyAuth({ key: secret('ak_live_node_transport') }),
      transport: send,
    });
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => partner(`/item/${i}`).then((r) => r.json())),
    );
    expect(results).toEqual(Array.from({ length: 16 }, (_, i) => ({ path: `/item/${i}` })));
    const redirected = await partner('/old');
    expect(await redirected.json()).toEqual({ path: '/new' });
    expect(keys).toEqual(Array.from({ length: 18 }, () => 'ak_live_node_transport'));
    expect(connectionCount).toBeLessThanOrEqual(4);
  });
});
