import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A partner API of the "robot account" kind, on loopback: `POST /login` with a user name and password
 * returns an API token that lives `tokenLifetimeSeconds`; `GET /orders` needs `Authorization: Bearer <token>`
 * and answers 401 `invalid_token` for an unknown, revoked or expired one.
 */
export interface PartnerApi {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** What the server saw. `tokenOfCall[i]` is the login number whose token authorized API call `i`. */
  readonly counters: { logins: number; apiCalls: number; rejected: number; readonly tokenOfCall: number[] };
  /** Revokes every token issued so far: the next call with one gets a 401. */
  revokeTokens(): void;
  /** Makes `POST /login` answer `status` (e.g. 429 or 503) until called with `undefined`. */
  failLogins(status: number | undefined): void;
  close(): Promise<void>;
}

/** Options of {@link startPartnerApi}. */
export interface PartnerApiOptions {
  /** Accepted robot accounts: user name → password. */
  readonly accounts: Readonly<Record<string, string>>;
  /** Seconds an API token lives. Default `60`. */
  readonly tokenLifetimeSeconds?: number;
  /** The server's clock in epoch ms (sent in `Date`, used for expiry). Default `Date.now`. */
  readonly now?: () => number;
}

export async function startPartnerApi(options: PartnerApiOptions): Promise<PartnerApi> {
  const now = options.now ?? Date.now;
  const lifetime = options.tokenLifetimeSeconds ?? 60;
  // token → [login number, expiry]
  const tokens = new Map<string, { readonly login: number; readonly expiresAt: number }>();
  const counters = { logins: 0, apiCalls: 0, rejected: 0, tokenOfCall: [] as number[] };
  let loginFailure: number | undefined;

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, {
      'content-type': 'application/json',
      date: new Date(now()).toUTCString(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://partner').pathname;
      if (req.method === 'POST' && path === '/login') {
        counters.logins++;
        if (loginFailure !== undefined)
          return send(res, loginFailure, { error: 'try_later' }, { 'retry-after': '1' });
        let credentials: { username?: unknown; password?: unknown } = {};
        try {
          credentials = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof credentials;
        } catch {
          return send(res, 400, { error: 'invalid_request' });
        }
        const expected =
          typeof credentials.username === 'string' ? options.accounts[credentials.username] : undefined;
        if (expected === undefined || credentials.password !== expected) {
          return send(res, 401, { error: 'invalid_credentials' });
        }
        const token = `rbt_${randomBytes(18).toString('base64url')}`;
        tokens.set(token, { login: counters.logins, expiresAt: now() + lifetime * 1000 });
        return send(res, 200, { token, expires_in: lifetime });
      }
      if (req.method === 'GET' && path === '/orders') {
        counters.apiCalls++;
        const header = req.headers.authorization ?? '';
        const issued = header.startsWith('Bearer ') ? tokens.get(header.slice('Bearer '.length)) : undefined;
        if (issued === undefined || now() >= issued.expiresAt) {
          counters.rejected++;
          return send(
            res,
            401,
            { error: 'invalid_token' },
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
        }
        counters.tokenOfCall.push(issued.login);
        return send(res, 200, { orders: [{ id: 'o-1', total: 42 }] });
      }
      send(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    counters,
    revokeTokens: () => tokens.clear(),
    failLogins(status) {
      loginFailure = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
