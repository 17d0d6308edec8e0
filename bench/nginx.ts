/**
 * nginx as the partner API for the transport comparison. At 32 calls in flight on a 2-core machine the Node
 * server (bench/server.ts) is as busy as the fastest clients, so it caps them and the comparison measures the
 * server; nginx answers `GET /orders/1` for a fraction of that CPU, so the clients set the pace. Same body,
 * same content type, keep-alive.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX_BINARY, runNginx } from '../test/support/nginx.ts';
import { ORDER_BODY } from './order-body.ts';

/** The partner API the transport sections call: nginx when installed, else the Node server. */
export interface BenchServer {
  readonly origin: string;
  /** What answers: `nginx` or `node`. */
  readonly kind: 'nginx' | 'node';
  stop(): Promise<void>;
}

/** Starts nginx serving `GET /orders/1`; `undefined` when nginx is not installed. */
export async function startNginx(): Promise<BenchServer | undefined> {
  if (NGINX_BINARY === undefined) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'attache-bench-nginx-'));
  const stop = () => rm(dir, { recursive: true, force: true });
  const nginx = await runNginx(
    dir,
    (port) => `  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:${port};
    location = /orders/1 { default_type application/json; return 200 '${ORDER_BODY}'; }
    location / { return 404; }
  }`,
  ).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    origin: `http://127.0.0.1:${nginx.port}`,
    kind: 'nginx',
    async stop() {
      await nginx.close();
      await stop();
    },
  };
}
