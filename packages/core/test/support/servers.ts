import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

export interface LocalServer {
  readonly origin: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, server: LocalServer) => void;

function track(
  server: import('node:http').Server,
  scheme: 'http' | 'https',
  handler: Handler,
): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const local: LocalServer = {
        origin: `${scheme}://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      };
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
        handler(req, res, local);
      });
      resolve(local);
    });
  });
}

/** A real HTTP server on 127.0.0.1 with an ephemeral port that records every request. */
export function startHttpServer(handler: Handler): Promise<LocalServer> {
  return track(createHttpServer(), 'http', handler);
}

/** A self-signed certificate for 127.0.0.1/localhost, generated with openssl. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attache-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real HTTPS server on 127.0.0.1 with the given certificate. */
export function startHttpsServer(tls: { cert: string; key: string }, handler: Handler): Promise<LocalServer> {
  return track(createHttpsServer(tls) as unknown as import('node:http').Server, 'https', handler);
}
