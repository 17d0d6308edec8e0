import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What the server knows about the connection a request came on. */
export interface Peer {
  /** CN of the client certificate presented on the connection (mutual TLS), or `undefined`. */
  readonly clientCertificateCn: string | undefined;
}

/** A fetch-style handler: the examples' partner APIs are written against `Request` and `Response`. */
export type FetchHandler = (request: Request, peer: Peer) => Response | Promise<Response>;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Serve https with this certificate and demand a client certificate signed by `ca` (mutual TLS). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

/** A server on 127.0.0.1 with an ephemeral port. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  readonly origin: string;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, scheme: 'http' | 'https'): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (name.toLowerCase() !== 'host') headers.append(name, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? 'GET';
  return new Request(new URL(req.url ?? '/', `${scheme}://${req.headers.host ?? '127.0.0.1'}`), {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  res.writeHead(response.status);
  res.end(body);
}

/**
 * Serves `handler` on loopback with `node:http` (or `node:https` for mutual TLS), translating each request
 * into a `Request` and the handler's `Response` back.
 */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<LoopbackServer> {
  const scheme = options.tls === undefined ? 'http' : 'https';
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket as Partial<TLSSocket>;
    const cn = socket.getPeerCertificate?.()?.subject?.CN;
    toRequest(req, scheme)
      .then((request) => handler(request, { clientCertificateCn: typeof cn === 'string' ? cn : undefined }))
      .then((response) => send(res, response))
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : 'internal error');
      });
  };
  const server =
    options.tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
