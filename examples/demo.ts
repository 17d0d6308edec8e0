/**
 * The Attaché demo: starts a partner sandbox on loopback and runs authenticators against it through the
 * shared pipeline, printing what happened per scheme. Run with `pnpm demo`.
 */
import { basicAuth, createClient, secret } from '@attache/core';
import { createReport, printReports, type SchemeReport } from './demo/report.ts';
import { SANDBOX_USER, type Sandbox, startSandbox } from './demo/sandbox.ts';

async function basicScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('basic');
  const client = createClient({
    baseUrl: `${sandbox.origin}/v1`,
    auth: basicAuth({ username: SANDBOX_USER.username, password: secret(SANDBOX_USER.password) }),
    onEvent,
  });
  sandbox.failNext(2);
  await client.get('orders').json();
  report.notes.push('two injected 503s were retried transparently');
  return report;
}

export async function runDemo(): Promise<SchemeReport[]> {
  const sandbox = await startSandbox();
  try {
    const reports = [await basicScheme(sandbox)];
    return reports;
  } finally {
    await sandbox.close();
  }
}

if (import.meta.main) {
  const started = performance.now();
  const reports = await runDemo();
  console.log('Attaché demo — every scheme against a partner sandbox on loopback\n');
  printReports(reports);
  console.log(`\nfinished in ${Math.round(performance.now() - started)} ms`);
}
