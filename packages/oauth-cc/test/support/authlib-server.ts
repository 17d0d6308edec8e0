import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Python Authlib's authorization server (test/support/authlib_server.py) on 127.0.0.1, as a child process. */
export interface AuthlibServer {
  readonly origin: string;
  readonly tokenEndpoint: string;
  readonly api: string;
  /** Connects an account as an authorization-code flow would have: returns its first refresh token. */
  connect(account: string): Promise<string>;
  /** Every refresh token issued for `account`, oldest first, with whether it was used. */
  refreshTokens(account: string): Promise<{ value: string; used: boolean }[]>;
  /** Refresh grants that succeeded, and refresh tokens the server refused (unknown or used). */
  stats(): Promise<{ refreshes: number; rejected: number }>;
  close(): Promise<void>;
}

/**
 * Starts the server with Debian's python3 (and its python3-authlib and python3-flask) and waits for the port
 * it prints.
 */
export async function startAuthlibServer(options: {
  clientId: string;
  clientSecret: string;
  lifetime: number;
}): Promise<AuthlibServer> {
  // Debian's interpreter, not whatever python3 is first on PATH: the packages live in its dist-packages
  // (`pnpm test` installs them first, through scripts/ensure-system-packages.mjs).
  const python = process.env.ATTACHE_PYTHON || '/usr/bin/python3';
  const child: ChildProcess = spawn(
    python,
    [join(HERE, 'authlib_server.py'), options.clientId, options.clientSecret, String(options.lifetime)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`authlib_server.py exited (${String(code)}) before listening`);
  });
  const first = once(lines, 'line').then(([line]) => JSON.parse(line as string) as { port: number });
  const { port } = await Promise.race([first, exited]);
  exited.catch(() => {});
  const origin = `http://127.0.0.1:${port}`;
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${origin}${path}`, init);
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    origin,
    tokenEndpoint: `${origin}/token`,
    api: `${origin}/api`,
    connect: async (account) =>
      (
        await json<{ refresh_token: string }>('/test/connect', {
          method: 'POST',
          body: new URLSearchParams({ account }),
        })
      ).refresh_token,
    refreshTokens: (account) => json(`/test/refresh-tokens/${encodeURIComponent(account)}`),
    stats: () => json('/test/stats'),
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
