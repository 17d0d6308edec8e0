import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/** Debian's nginx, when it is installed (`pnpm test` installs it). */
export const NGINX_BINARY = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

/** An nginx running in the foreground on a loopback port. */
export interface RunningNginx {
  readonly port: number;
  /** Kills it (nothing of it is worth a graceful stop) and waits until it is gone. */
  close(): Promise<void>;
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

/**
 * Starts nginx in `dir` (`daemon off`, one process, no access log, every file under `dir`) with the `http`
 * block's content `http(port)` returns, and waits until `port` accepts connections.
 *
 * @throws when nginx is not installed, exits, or does not listen within 10 s (its error log quoted).
 */
export async function runNginx(dir: string, http: (port: number) => string): Promise<RunningNginx> {
  if (NGINX_BINARY === undefined) {
    throw new Error('nginx is not installed (Debian: apt-get install -y nginx; `pnpm test` installs it)');
  }
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
${http(port)}
}
`;
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, config);
  const child: ChildProcess = spawn(
    NGINX_BINARY,
    ['-p', dir, '-c', configPath, '-e', join(dir, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    port,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
  };
}
