import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real tinyproxy (Debian package, installed by scripts/ensure-system-packages.mjs) on 127.0.0.1. */
export interface Tinyproxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, with `user:password@` when started with credentials. */
  readonly url: string;
  /** What tinyproxy logged so far (requests and CONNECTs at level Info). */
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function accepting(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('tinyproxy did not start accepting connections');
}

export async function startTinyproxy(auth?: { user: string; password: string }): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'attache-tinyproxy-'));
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    'LogLevel Info',
    'MaxClients 200',
    'Allow 127.0.0.1',
    ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
  ].join('\n');
  const file = join(dir, 'tinyproxy.conf');
  await writeFile(file, `${config}\n`);
  const child = spawn(process.env.TINYPROXY_PATH || 'tinyproxy', ['-d', '-c', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await accepting(port, child);
  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : '';
  return {
    port,
    url: `http://${credentials}127.0.0.1:${port}`,
    log: () => output,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
