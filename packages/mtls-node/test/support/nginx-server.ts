import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/** A real nginx terminating TLS on loopback and checking client certificates, as partners' proxies do. */
export interface NginxServer {
  readonly url: string;
  close(): Promise<void>;
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
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
 * Starts Debian's nginx in `dir` (`daemon off`, one process, everything under `dir`) with `ssl_verify_client
 * on`: a request without a client certificate gets HTTP 400 "No required SSL certificate was sent", one whose
 * certificate does not verify against `caPath` gets HTTP 400 "The SSL certificate error". `/` answers 200;
 * `/plain-400` answers an ordinary 400.
 */
export async function startNginx(options: {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
}): Promise<NginxServer> {
  if (NGINX === undefined) {
    throw new Error('nginx is not installed (Debian: apt-get install -y nginx; `pnpm test` installs it)');
  }
  const dir = options.dir;
  await mkdir(join(dir, 'temp'), { recursive: true });
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `    ${name}_temp_path ${join(dir, 'temp', name)};`)
    .join('\n');
  const config = `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 64; }
http {
    access_log off;
${temp}
    server {
        listen 127.0.0.1:${port} ssl;
        ssl_certificate ${options.certPath};
        ssl_certificate_key ${options.keyPath};
        ssl_client_certificate ${options.caPath};
        ssl_verify_client on;
        location = /plain-400 { return 400 'bad order id'; }
        location / { default_type text/plain; return 200 'ok $ssl_client_s_dn'; }
    }
}
`;
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, config);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', configPath, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `https://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
  };
}
