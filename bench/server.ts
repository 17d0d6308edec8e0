/**
 * The benchmark's partner API: a loopback HTTP server in its own process, so the client's CPU time is not
 * shared with the server's event loop. Prints its port on stdout.
 *
 * Routes:
 * - `GET /orders/1`: a small JSON body, no checks (the transport baseline).
 * - `POST /token`: a client-credentials style token endpoint (`{ access_token, token_type, expires_in }`),
 *   answering after `TOKEN_DELAY_MS` (default 20) to stand for a real authorization server's round trip.
 * - `GET /storm/*`: needs `Authorization: Bearer v<N>` with the current token version, else 401 invalid_token.
 * - `POST /control/rotate`: bumps the token version (every issued token becomes invalid).
 * - `GET /control/stats`: `{ tokenRequests, stormRequests, unauthorized }`.
 *
 * With `BENCH_TLS` set to JSON `{ cert, key, ca }` (PEM) it serves https and demands a client certificate
 * signed by `ca` (the mutual-TLS comparison).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ORDER_BODY } from './order-body.ts';

const body = ORDER_BODY;
const tokenDelay = Number(process.env.TOKEN_DELAY_MS ?? 20);
let version = 1;
const stats = { tokenRequests: 0, stormRequests: 0, unauthorized: 0 };

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const tls = process.env.BENCH_TLS === undefined ? undefined : (JSON.parse(process.env.BENCH_TLS) as object);
const handle = (req: IncomingMessage, res: ServerResponse): void => {
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '/';
    if (url === '/orders/1' || url.startsWith('/orders/1?')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else if (url === '/token') {
      stats.tokenRequests++;
      const issued = version;
      setTimeout(
        () => json(res, 200, { access_token: `v${issued}`, token_type: 'Bearer', expires_in: 3600 }),
        tokenDelay,
      );
    } else if (url.startsWith('/storm')) {
      stats.stormRequests++;
      if (req.headers.authorization === `Bearer v${version}`) json(res, 200, { ok: true });
      else {
        stats.unauthorized++;
        json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
    } else if (url === '/control/rotate') {
      version++;
      json(res, 200, { version });
    } else if (url === '/control/stats') {
      json(res, 200, stats);
    } else if (url === '/control/reset') {
      stats.tokenRequests = 0;
      stats.stormRequests = 0;
      stats.unauthorized = 0;
      json(res, 200, stats);
    } else {
      json(res, 404, { error: 'not_found' });
    }
  });
};
const server =
  tls === undefined
    ? createHttpServer(handle)
    : createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, handle);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('disconnect', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
