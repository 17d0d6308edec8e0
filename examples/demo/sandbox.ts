import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A partner sandbox on loopback: a robot-account login, an API that checks bearer tokens and Basic
 * credentials, injects transient 503s, and expires tokens on demand.
 */
export interface Sandbox {
  readonly origin: string;
  readonly counters: { logins: number; apiCalls: number; rejected: number; injected503: number };
  /** Revokes every issued token: the next API call with one gets 401 invalid_token. */
  revokeTokens(): void;
  /** The API key the sandbox accepts now. */
  readonly apiKey: () => string;
  /** Rotates the accepted API key: the old one is refused from now on. */
  rotateApiKey(): string;
  /** The next `n` API calls answer 503 with `Retry-After`. */
  failNext(n: number): void;
  close(): Promise<void>;
}

export const SANDBOX_USER = { username: 'robot-42', password: 'correct horse battery staple' };

export async function startSandbox(): Promise<Sandbox> {
  const tokens = new Set<string>();
  const counters = { logins: 0, apiCalls: 0, rejected: 0, injected503: 0 };
  let failures = 0;
  let apiKeyVersion = 1;
  const currentKey = (): string => `demo_key_v${apiKeyVersion}`;

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && url.pathname === '/login') {
        counters.logins++;
        const { username, password } = JSON.parse(body || '{}') as { username?: string; password?: string };
        if (username !== SANDBOX_USER.username || password !== SANDBOX_USER.password) {
          return json(res, 401, { error: 'invalid_credentials' });
        }
        const token = `tok_${randomUUID()}`;
        tokens.add(token);
        return json(res, 200, { token, expires_in: 600 });
      }
      if (url.pathname.startsWith('/v1/')) {
        counters.apiCalls++;
        const auth = req.headers.authorization ?? '';
        const basic = `Basic ${Buffer.from(`${SANDBOX_USER.username}:${SANDBOX_USER.password}`).toString('base64')}`;
        const bearerOk = auth.startsWith('Bearer ') && tokens.has(auth.slice(7));
        const keyOk = req.headers['x-api-key'] === currentKey();
        if (!bearerOk && !keyOk && auth !== basic) {
          counters.rejected++;
          return json(
            res,
            401,
            { error: 'unauthorized' },
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
        }
        if (failures > 0) {
          failures--;
          counters.injected503++;
          return json(res, 503, { error: 'busy' }, { 'retry-after-ms': '20' });
        }
        return json(res, 200, { orders: [{ id: 'o-1', total: 42 }], path: url.pathname });
      }
      json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    counters,
    revokeTokens: () => tokens.clear(),
    apiKey: currentKey,
    rotateApiKey: () => {
      apiKeyVersion++;
      return currentKey();
    },
    failNext: (n) => {
      failures = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
