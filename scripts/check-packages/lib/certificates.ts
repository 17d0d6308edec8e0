// A throwaway CA with a server and a client certificate, for the mTLS smoke checks.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Recorder } from './context.ts';
import { describeRun, run } from './run.ts';

export async function makeCertificates(dir: string, r: Recorder): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const steps: string[][] = [
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=attache-smoke-ca',
    ],
    ['req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=localhost'],
    ['req', ...ec, '-keyout', 'client-key.pem', '-out', 'client.csr', '-subj', '/CN=attache-smoke-client'],
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    [
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'client.pem',
      '-days',
      '2',
    ],
  ];
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const args of steps) {
    const result = await run('openssl', args, { cwd: dir, timeoutMs: 30_000 });
    if (result.code !== 0) {
      r.fail(describeRun(`openssl ${args[0]}`, result));
      return false;
    }
  }
  return true;
}
