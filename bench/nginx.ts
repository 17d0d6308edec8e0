/**
 * nginx as the partner API for the transport comparison. At 32 calls in flight on a 2-core machine the Node
 * server (bench/server.ts) is as busy as the fastest clients, so it caps them and the comparison measures the
 * server; nginx answers `GET /orders/1` for a fraction of that CPU, so the clients set the pace. Same body,
 * same content type, keep-alive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORDER_BODY } from './order-body.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

/** The partner API the transport sections call: nginx when installed, else the Node server. */
export interface BenchServer {
  readonly origin: string;
  /** What answers: `nginx` or `node`. */
  readonly kind: 'nginx' | 'node';
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx (one worker, no logs) serving `GET /orders/1`; `undefined` when nginx is not installed. */
export async function startNginx(): Promise<BenchServer | undefined> {
  if (NGINX === undefined) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'attache-bench-nginx-'));
  await mkdir(join(dir, 'temp'), { recursive: true });
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `  ${name}_temp_path ${join(dir, 'temp', name)};`)
    .join('\n');
  const config = `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
${temp}
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:${port};
    location = /orders/1 { default_type application/json; return 200 '${ORDER_BODY}'; }
    location / { return 404; }
  }
}
`;
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, config);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', configPath, '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    kind: 'nginx',
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
