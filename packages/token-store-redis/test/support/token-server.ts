import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that reached the token endpoint. */
export interface TokenRequest {
  /** The `x-worker` header: which process asked. */
  readonly worker: string;
  /** The token issued, or `undefined` while the answer is held. */
  token: string | undefined;
}

/**
 * A local token endpoint (`POST /token`) and partner API (`GET /data`, 200 for any token it issued, 401
 * otherwise) on 127.0.0.1, counting what it sees.
 */
export interface TokenServer {
  readonly origin: string;
  /** Every request to the token endpoint, in arrival order. */
  readonly tokenRequests: TokenRequest[];
  /** How many API calls carried each token. */
  readonly apiCalls: Map<string, number>;
  /** Holds the answer to the next token request until `release()`; resolves when that request arrives. */
  holdNext(): { arrived: Promise<TokenRequest>; release(): void };
  /** Resolves when the token endpoint has seen `count` requests in all. */
  waitForTokenRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTokenServer(options: { expiresIn: number }): Promise<TokenServer> {
  const tokenRequests: TokenRequest[] = [];
  const apiCalls = new Map<string, number>();
  const issued = new Set<string>();
  const waiters: (() => void)[] = [];
  let hold: { arrived: (request: TokenRequest) => void; released: Promise<void> } | undefined;

  function answerToken(request: TokenRequest, response: ServerResponse): void {
    const token = `tok-${tokenRequests.indexOf(request) + 1}-${crypto.randomUUID()}`;
    request.token = token;
    issued.add(token);
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(
      JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: options.expiresIn }),
    );
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => undefined);
    if (req.method === 'POST' && req.url === '/token') {
      const request: TokenRequest = { worker: String(req.headers['x-worker'] ?? ''), token: undefined };
      tokenRequests.push(request);
      for (const wake of waiters.splice(0)) wake();
      const held = hold;
      if (held !== undefined) {
        hold = undefined;
        held.arrived(request);
        void held.released.then(() => {
          if (!res.destroyed) answerToken(request, res);
        });
        return;
      }
      answerToken(request, res);
      return;
    }
    if (req.method === 'GET' && req.url === '/data') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (token === undefined || !issued.has(token)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
        return;
      }
      apiCalls.set(token, (apiCalls.get(token) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    res.writeHead(404).end();
  });
  // Idle connections are closed by the clients, never by the server: on two busy cores a client's keep-alive
  // timer can fire a second late, and a request sent on a connection the server has just closed is reset.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    tokenRequests,
    apiCalls,
    holdNext() {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const arrived = new Promise<TokenRequest>((resolve) => {
        hold = { arrived: resolve, released };
      });
      return { arrived, release };
    },
    async waitForTokenRequests(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (tokenRequests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`token endpoint saw ${tokenRequests.length} requests, expected ${count}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
