import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What the test server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** CN of the client certificate presented on the connection, or `null`. */
  readonly cn: string | null;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Distinct per TLS connection, to count connections. */
  readonly connection: number;
  /** DER of the client certificate, when one was presented. */
  readonly clientCertificate: Buffer | undefined;
}

/** Options of {@link startHttpsServer}. */
export interface HttpsServerOptions {
  readonly cert: string;
  readonly key: string;
  /** CAs trusted for client certificates. */
  readonly ca?: string | readonly string[];
  /** Default true: the server demands a client certificate signed by `ca`. */
  readonly requestCert?: boolean;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Answers a request; the default answers 200 with JSON `{ cn, path }`. */
  readonly handler?: (
    request: IncomingMessage,
    response: ServerResponse,
    seen: SeenRequest,
  ) => void | Promise<void>;
}

/** A real `node:https` server on 127.0.0.1 with an ephemeral port. */
export interface HttpsTestServer {
  /** `https://127.0.0.1:<port>` (the default server certificate names localhost and 127.0.0.1). */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Every request seen, in arrival order. */
  readonly seen: SeenRequest[];
  /** TLS handshake failures the server observed (client side rejected, or the server rejected the client). */
  readonly tlsErrors: string[];
  /** Resolves once the server has received `count` requests in all. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a mutual-TLS test server (`requestCert: true, rejectUnauthorized: true`). */
export async function startHttpsServer(options: HttpsServerOptions): Promise<HttpsTestServer> {
  const seen: SeenRequest[] = [];
  const tlsErrors: string[] = [];
  const connections = new WeakMap<object, number>();
  let nextConnection = 1;
  const waiters: { count: number; resolve: () => void }[] = [];
  const requestCert = options.requestCert ?? true;
  const server = createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.ca === undefined ? {} : { ca: options.ca as string | string[] }),
      requestCert,
      rejectUnauthorized: requestCert,
      ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
    },
    async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const socket = request.socket as TLSSocket;
      let connection = connections.get(socket);
      if (connection === undefined) {
        connection = nextConnection++;
        connections.set(socket, connection);
      }
      const peer = socket.getPeerCertificate();
      const hasPeer = peer !== null && typeof peer === 'object' && 'raw' in peer && peer.raw !== undefined;
      const entry: SeenRequest = {
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        cn: hasPeer ? ((peer.subject?.CN as string | undefined) ?? null) : null,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        connection,
        clientCertificate: hasPeer ? peer.raw : undefined,
      };
      seen.push(entry);
      for (const waiter of waiters.filter((w) => seen.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      try {
        if (options.handler) await options.handler(request, response, entry);
        else {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ cn: entry.cn, path: entry.path }));
        }
      } catch (error) {
        response.statusCode = 500;
        response.end(String(error));
      }
    },
  );
  server.on('tlsClientError', (error: Error & { code?: string }) => {
    tlsErrors.push(error.code ?? error.message);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    server,
    seen,
    tlsErrors,
    received(count) {
      if (seen.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A promise with its resolver, for holding a response open until the test says so. */
export function gate(): { readonly wait: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
