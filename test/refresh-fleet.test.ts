// Connected accounts across a fleet: 8 real processes serve the same accounts through refreshTokenAuth and
// one real redis-server, against a token endpoint that issues single-use refresh tokens (each use returns a
// new one; a second use is invalid_grant). Several expiries: one refresh per account per expiry, every call
// succeeds, and the stored refresh token is always the newest.
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startRedis } from '../packages/token-store-redis/test/support/redis-server.ts';

const WORKERS = 8;
const ACCOUNTS = ['acme', 'globex', 'initech'];
const EXPIRES_IN = 600;
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'refresh-worker.ts');

interface Issued {
  readonly live: Map<string, string>; // refresh token → account
  readonly access: Map<string, string>; // access token → account
  readonly refreshes: Map<string, number>; // account → refreshes
  rejected: number;
  wrongAccount: number;
  counter: number;
}

function tokenServer(issued: Issued): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        const form = new URLSearchParams(body);
        const presented = form.get('refresh_token') ?? '';
        const account = issued.live.get(presented);
        res.setHeader('content-type', 'application/json');
        if (form.get('grant_type') !== 'refresh_token' || account === undefined) {
          issued.rejected++;
          res.writeHead(400).end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        issued.live.delete(presented);
        issued.refreshes.set(account, (issued.refreshes.get(account) ?? 0) + 1);
        const accessToken = `at-${account}-${++issued.counter}`;
        const refreshToken = `rt-${account}-${++issued.counter}`;
        issued.access.set(accessToken, account);
        issued.live.set(refreshToken, account);
        res.end(
          JSON.stringify({
            access_token: accessToken,
            token_type: 'Bearer',
            expires_in: EXPIRES_IN,
            refresh_token: refreshToken,
          }),
        );
        return;
      }
      const account = url.pathname.split('/')[2];
      const owner = issued.access.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (owner === undefined) return void res.writeHead(401).end();
      if (owner !== account) {
        issued.wrongAccount++;
        return void res.writeHead(403).end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  // Longer than the test: a keep-alive socket the server closes while a client reuses it would be a reset.
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

interface Worker {
  call<T>(message: object): Promise<T>;
  readonly child: ChildProcess;
}

function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = fork(WORKER, [], {
    execPath: process.execPath,
    execArgv: ['--conditions=@attache/source', '--disable-warning=ExperimentalWarning'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<number, (value: unknown) => void>();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: { ready?: boolean; id?: number; result?: unknown }) => {
      if (message.ready) resolve(worker);
      else if (message.id !== undefined) pending.get(message.id)?.(message.result);
    });
    const worker: Worker = {
      child,
      call: <T>(message: object) =>
        new Promise<T>((done) => {
          const id = ++next;
          pending.set(id, done as (value: unknown) => void);
          child.send({ ...message, id });
        }),
    };
  });
}

let redis: LocalRedis;
let partner: { origin: string; server: Server };
let workers: Worker[] = [];
const issued: Issued = {
  live: new Map(),
  access: new Map(),
  refreshes: new Map(),
  rejected: 0,
  wrongAccount: 0,
  counter: 0,
};

beforeAll(async () => {
  redis = await startRedis();
  partner = await tokenServer(issued);
  workers = await Promise.all(
    Array.from({ length: WORKERS }, () => startWorker({ REDIS_URL: redis.url, ORIGIN: partner.origin })),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.call({ op: 'close' }).catch(() => undefined)));
  for (const w of workers) w.child.kill('SIGKILL');
  partner?.server.close();
  await redis?.close();
});

describe('refreshTokenAuth across a fleet (8 processes, real Redis)', () => {
  it('one refresh per account per expiry, every call succeeds, the stored refresh token is the newest', async () => {
    // Connecting happens once, from any process: the store carries it to the fleet.
    const { refreshTokenAuth } = await import('@attache/oauth-cc');
    const { createRedisTokenStore } = await import('@attache/token-store-redis');
    const store = createRedisTokenStore({ url: redis.url });
    const connector = refreshTokenAuth({
      tokenEndpoint: `${partner.origin}/token`,
      clientId: 'platform',
      clientSecret: 's3cret',
      store,
    });
    for (const account of ACCOUNTS) {
      const token = `rt-${account}-seed`;
      issued.live.set(token, account);
      await connector.connect(account, { refreshToken: token });
    }
    const EXPIRIES = 3;
    for (let expiry = 1; expiry <= EXPIRIES; expiry++) {
      const outcomes = await Promise.all(
        workers.map((w) => w.call<Record<string, number>>({ op: 'burst', calls: 10, accounts: ACCOUNTS })),
      );
      for (const outcome of outcomes) expect(outcome).toEqual({ '200': 10 * ACCOUNTS.length });
      for (const account of ACCOUNTS) expect(issued.refreshes.get(account)).toBe(expiry);
      // Past expiry for the whole fleet.
      await Promise.all(workers.map((w) => w.call({ op: 'shift', ms: EXPIRES_IN * 1000 + 1_000 })));
    }
    expect(issued.rejected).toBe(0);
    expect(issued.wrongAccount).toBe(0);
    // What the store holds for each account is the one refresh token still live at the server.
    for (const account of ACCOUNTS) {
      const key = `${connector.source(account).key}#refresh`;
      const entry = JSON.parse((await store.get(key)) ?? '{}') as { refreshToken?: string };
      expect(issued.live.get(entry.refreshToken ?? '')).toBe(account);
    }
    expect([...issued.live.values()].sort()).toEqual([...ACCOUNTS].sort());
    await store.close();
  }, 60_000);
});
