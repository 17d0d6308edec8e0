import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { Recorder } from './context.ts';

/** A redis-server of our own on a free loopback port, for @attache/token-store-redis. */
export async function startRedis(
  dir: string,
  r: Recorder,
): Promise<{ url: string; stop: () => void } | undefined> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  await mkdir(dir, { recursive: true });
  const binary = process.env.REDIS_SERVER || 'redis-server';
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn(binary, args, { cwd: dir, stdio: 'ignore' });
  let exited = false;
  child.on('error', () => {
    exited = true;
  });
  child.on('exit', () => {
    exited = true;
  });
  const stop = (): void => {
    if (!exited) child.kill('SIGTERM');
  };
  for (let attempt = 0; attempt < 100 && !exited; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stop();
  r.fail(
    `${binary} did not start on 127.0.0.1:${port} (install it: apt-get install -y redis-server, or set REDIS_SERVER)`,
  );
  return undefined;
}
