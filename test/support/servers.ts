import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Transport } from '@attache/core';
import { Agent, fetch as undiciFetch } from 'undici';

/** One request as a loopback server saw it, body included. */
export interface SeenRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Everything the server received, as one text: request line, header lines and body. */
  readonly raw: string;
}

export type Handler = (request: SeenRequest, response: ServerResponse) => void | Promise<void>;

/** A real server on 127.0.0.1 with an ephemeral port that records every request. */
export interface LoopbackServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** Replaces the handler (the next request uses it). */
  handle(handler: Handler): void;
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
  /** Listens again on the same port after `close()`. */
  reopen(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function start(server: Server, scheme: 'http' | 'https', first: Handler): Promise<LoopbackServer> {
  let handler = first;
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // No `Date`: the clients under test run on fake clocks and must not learn an offset from our real one.
    res.sendDate = false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        raw: `${lines.join('\r\n')}\r\n\r\n${body}`,
      };
      requests.push(seen);
      Promise.resolve(handler(seen, res)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`handler failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  });
  const port = await listen(server, 0);
  let open = true;
  return {
    origin: `${scheme}://127.0.0.1:${port}`,
    port,
    requests,
    handle(next) {
      handler = next;
    },
    close() {
      if (!open) return Promise.resolve();
      open = false;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections?.();
      });
    },
    async reopen() {
      if (open) return;
      await listen(server, port);
      open = true;
    },
  };
}

/** A real HTTP server on 127.0.0.1. */
export function startHttpServer(handler: Handler): Promise<LoopbackServer> {
  return start(createHttpServer({ keepAliveTimeout: 1_000 }), 'http', handler);
}

/** A real HTTPS server on 127.0.0.1 with the given certificate. */
export function startHttpsServer(tls: TlsMaterial, handler: Handler): Promise<LoopbackServer> {
  return start(createHttpsServer(tls) as unknown as Server, 'https', handler);
}

/** The key and certificate of a test server. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, made with openssl (core's test helper). */
export { selfSignedCertificate } from '../../packages/core/test/support/servers.ts';

/**
 * A transport that trusts `ca` (for the self-signed HTTPS servers), through undici's own fetch and Agent.
 * Redirects are left to the pipeline, as with the default transport.
 */
export function trustingTransport(ca: string): { transport: Transport; close(): Promise<void> } {
  const agent = new Agent({ connect: { ca } });
  const transport: Transport = async (outgoing) => {
    const body = outgoing.body;
    const response = await undiciFetch(outgoing.url, {
      method: outgoing.method,
      headers: [...outgoing.headers],
      ...(body === undefined
        ? {}
        : { body, ...(body instanceof Uint8Array ? {} : { duplex: 'half' as const }) }),
      redirect: outgoing.redirect,
      ...(outgoing.signal === undefined ? {} : { signal: outgoing.signal }),
      dispatcher: agent,
    });
    return new Response(response.body as ReadableStream | null, {
      status: response.status,
      headers: [...response.headers],
    });
  };
  return { transport, close: () => agent.close() };
}

/** Writes a JSON answer. */
export function json(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
