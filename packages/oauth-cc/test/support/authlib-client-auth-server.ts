import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A real Authlib (Python) token endpoint on 127.0.0.1, started from `authlib_client_auth_server.py` with Debian's
 * python3 and its python3-authlib and python3-flask packages (installed by `scripts/ensure-system-packages.mjs`).
 */
export interface AuthlibServer {
  readonly tokenEndpoint: string;
  close(): Promise<void>;
}

export interface AuthlibClient {
  readonly client_id: string;
  readonly client_secret: string;
}

// Debian's interpreter, not whatever python3 is first on PATH: the packages live in its dist-packages.
const PYTHON = process.env.ATTACHE_PYTHON || '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./authlib_client_auth_server.py', import.meta.url));

export async function startAuthlibServer(clients: readonly AuthlibClient[]): Promise<AuthlibServer> {
  const child: ChildProcess = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`Authlib server did not start:\n${stderr}`)), 15_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Authlib server exited with ${code}:\n${stderr}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.stdin?.end(`${JSON.stringify(clients)}\n`);
  });
  return {
    tokenEndpoint: `http://127.0.0.1:${port}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
