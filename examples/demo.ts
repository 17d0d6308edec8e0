/**
 * The Attaché demo: starts a partner sandbox on loopback and runs authenticators against it through the
 * shared pipeline, printing what happened per scheme. Run with `pnpm demo`.
 */
import { apiKeyAuth } from '@attache/api-key';
import { basicAuth, createClient, createTokenSource, secret, tokenAuth, tokenCacheKey } from '@attache/core';
import { createReport, printReports, type SchemeReport } from './demo/report.ts';
import { SANDBOX_USER, type Sandbox, startSandbox } from './demo/sandbox.ts';
import { robotLogin } from './robot-account/robot-account.ts';

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

async function apiKeyScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('api key (rotating)');
  // The key is read from a provider (a secrets manager in real life), re-read on 401.
  let vaultKey = sandbox.apiKey();
  const client = createClient({
    baseUrl: `${sandbox.origin}/v1`,
    auth: apiKeyAuth({ key: async () => secret(vaultKey) }),
    onEvent,
  });
  await Promise.all(Array.from({ length: 10 }, () => client.get('orders').json()));
  vaultKey = sandbox.rotateApiKey();
  await client.get('orders').json();
  report.notes.push('the key was rotated mid-run: one 401, the provider re-read, one replay');
  return report;
}

async function robotAccountScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('robot account (token source)');
  const source = createTokenSource(
    robotLogin({
      baseUrl: sandbox.origin,
      username: SANDBOX_USER.username,
      password: secret(SANDBOX_USER.password),
    }),
    { key: tokenCacheKey({ tokenEndpoint: `${sandbox.origin}/login`, clientId: SANDBOX_USER.username }) },
  );
  const client = createClient({ baseUrl: `${sandbox.origin}/v1`, auth: tokenAuth({ source }), onEvent });
  await Promise.all(Array.from({ length: 50 }, () => client.get('orders').json()));
  report.notes.push(`50 concurrent calls on a cold start: ${sandbox.counters.logins} login`);
  sandbox.revokeTokens();
  await Promise.all(Array.from({ length: 10 }, () => client.get('orders').json()));
  report.notes.push(
    `the token was revoked mid-run: 10 concurrent 401s, ${sandbox.counters.logins - 1} refresh, every call replayed once`,
  );
  return report;
}

export async function runDemo(): Promise<SchemeReport[]> {
  const sandbox = await startSandbox();
  try {
    const reports = [
      await basicScheme(sandbox),
      await apiKeyScheme(sandbox),
      await robotAccountScheme(sandbox),
    ];
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
