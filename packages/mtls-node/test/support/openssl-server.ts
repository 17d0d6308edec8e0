import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A real `openssl s_server` that checks client certificates during the handshake and sends TLS alerts. */
export interface OpensslServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `openssl s_server -Verify 1 -verify_return_error -www` on an ephemeral port. Unlike Node's own
 * https server (which drops the connection silently after the handshake), OpenSSL answers a bad client
 * certificate with the TLS alert that says why, as most production servers do.
 */
export async function startOpensslServer(options: {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
  /** Force TLS 1.2 (`-tls1_2`). Default: OpenSSL's highest, TLS 1.3. */
  readonly tls12?: boolean;
}): Promise<OpensslServer> {
  const child: ChildProcess = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      '127.0.0.1:0',
      '-cert',
      options.certPath,
      '-key',
      options.keyPath,
      '-CAfile',
      options.caPath,
      '-Verify',
      '1',
      '-verify_return_error',
      '-www',
      ...(options.tls12 ? ['-tls1_2'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ACCEPT\s+\S*:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`openssl s_server exited (${code}): ${output}`)));
  });
  child.stderr?.resume();
  return {
    url: `https://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}
