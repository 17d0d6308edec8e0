/**
 * The Attaché demo: starts a partner sandbox on loopback and runs authenticators against it through the
 * shared pipeline, printing what happened per scheme. Run with `pnpm demo`.
 */
import { apiKeyAuth } from '@attache/api-key';
import {
  basicAuth,
  createClient,
  createMemoryTokenStore,
  createTokenSource,
  secret,
  tokenAuth,
  tokenCacheKey,
} from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { isTlsError, mtlsTransport } from '@attache/mtls-node';
import { clientCredentialsAuth, refreshTokenAuth } from '@attache/oauth-cc';
import { attacheTelemetry, combineListeners } from '@attache/otel';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createReport, printReports, type SchemeReport } from './demo/report.ts';
import {
  SANDBOX_CLIENTS,
  SANDBOX_HMAC,
  SANDBOX_PLATFORM,
  SANDBOX_USER,
  type Sandbox,
  startSandbox,
} from './demo/sandbox.ts';
import { traceTree } from './observability/trace-tree.ts';
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

async function oauthScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('oauth client credentials');
  // The client's clock: moved forward to the refresh point instead of waiting most of an hour.
  let skipped = 0;
  const now = (): number => Date.now() + skipped;
  const auth = clientCredentialsAuth({
    issuer: sandbox.oauth.issuer,
    clientId: SANDBOX_CLIENTS.oauth.clientId,
    clientSecret: secret(SANDBOX_CLIENTS.oauth.clientSecret),
    scope: 'orders:read',
    resource: sandbox.oauth.resource,
    now,
  });
  // Spans of every call, kept in memory: the demo prints the tree of the refresh-and-replay call below.
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const telemetry = attacheTelemetry({ tracerProvider });
  const client = createClient({
    baseUrl: `${sandbox.origin}/oauth`,
    auth: [telemetry.propagation, auth],
    onEvent: combineListeners(onEvent, telemetry.onEvent),
  });
  const tokenRequests = sandbox.tokenRequests();
  await Promise.all(Array.from({ length: 20 }, () => client.get('orders').json()));
  report.notes.push(
    `20 concurrent calls on a cold start: ${sandbox.tokenRequests() - tokenRequests} token request`,
  );

  const token = await auth.source.get();
  skipped += token.refreshAt - now() + 1;
  await client.get('orders').json();
  // The refresh runs behind the call, which went out at once with the current token.
  while (auth.source.peek() === token) await new Promise((resolve) => setTimeout(resolve, 5));
  await client.get('orders').json();
  report.notes.push(
    `past the refresh point (${Math.round((token.refreshAt - token.issuedAt) / 60_000)} min into the token's ` +
      `${Math.round((token.expiresAt - token.issuedAt) / 60_000)} min): refreshed in the background, no call waited`,
  );

  sandbox.revokeTokens();
  exporter.reset();
  await client.get('orders').json();
  report.notes.push('the partner revoked the token: one 401, a new token, one replay');
  await tracerProvider.forceFlush();
  report.trace = traceTree(exporter.getFinishedSpans());
  await tracerProvider.shutdown();
  return report;
}

async function hmacScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('hmac signature (rfc9421)');
  const client = createClient({
    baseUrl: `${sandbox.origin}/signed`,
    auth: hmacAuth({ keyId: SANDBOX_HMAC.keyId, key: secret(SANDBOX_HMAC.secret) }),
    onEvent,
  });
  const nonces = sandbox.counters.nonces.size;
  sandbox.failNext(1);
  for (let i = 1; i <= 5; i++) {
    await client.post('payments', { json: { amount: i * 10 }, idempotencyKey: 'auto' }).json();
  }
  report.notes.push(
    `one injected 503 on a POST with an Idempotency-Key: retried and signed again; ` +
      `${sandbox.counters.nonces.size - nonces} attempts, as many nonces, none refused as a replay`,
  );
  return report;
}

async function mtlsScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('mtls client certificate');
  const { origin, ca, cert, key } = sandbox.mtls;
  const transport = mtlsTransport({ cert, key: secret(key), ca });
  const untrusting = mtlsTransport({ cert, key: secret(key) });
  try {
    const client = createClient({ baseUrl: origin, transport, onEvent });
    await Promise.all(Array.from({ length: 10 }, () => client.get('accounts').json()));
    const clients = new Set(sandbox.counters.mtlsClients);
    report.notes.push(`10 calls over mutual TLS; the partner saw CN=${[...clients].join(', ')}`);
    try {
      await createClient({ baseUrl: origin, transport: untrusting }).get('accounts');
    } catch (error) {
      if (!isTlsError(error)) throw error;
      report.notes.push(`a transport without the partner's CA: TlsError ${error.reason}`);
    }
  } finally {
    await Promise.all([transport.close(), untrusting.close()]);
  }
  return report;
}

async function connectedAccountsScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('connected accounts (refresh)');
  const accounts = refreshTokenAuth({
    tokenEndpoint: `${sandbox.origin}/tenants/token`,
    clientId: SANDBOX_PLATFORM.clientId,
    clientSecret: secret(SANDBOX_PLATFORM.clientSecret),
    store: createMemoryTokenStore(), // createRedisTokenStore(...) to share across a fleet
  });
  const tenants = ['acme', 'globex', 'initech'];
  for (const tenant of tenants)
    await accounts.connect(tenant, { refreshToken: sandbox.connectTenant(tenant) });
  const client = createClient({ baseUrl: `${sandbox.origin}/tenants`, auth: accounts, onEvent });
  const callAll = () =>
    Promise.all(
      tenants.flatMap((tenant) =>
        [1, 2, 3].map(() => client.get(`${tenant}/orders`, { account: tenant }).json()),
      ),
    );
  await callAll();
  sandbox.revokeTokens();
  await callAll();
  report.notes.push(
    `3 tenants, 9 concurrent calls each round; access tokens revoked between rounds: ${sandbox.counters.rotations} single-use refresh tokens rotated, each used once`,
  );
  return report;
}

async function hybridScheme(sandbox: Sandbox): Promise<SchemeReport> {
  const { report, onEvent } = createReport('hybrid (key + oauth + hmac)');
  const client = createClient({
    baseUrl: `${sandbox.origin}/hybrid`,
    auth: [
      apiKeyAuth({ key: async () => secret(sandbox.apiKey()) }),
      clientCredentialsAuth({
        issuer: sandbox.oauth.issuer,
        clientId: SANDBOX_CLIENTS.hybrid.clientId,
        clientSecret: secret(SANDBOX_CLIENTS.hybrid.clientSecret),
        scope: 'orders:read',
        resource: sandbox.oauth.resource,
      }),
      hmacAuth({ keyId: SANDBOX_HMAC.keyId, key: secret(SANDBOX_HMAC.secret) }),
    ],
    onEvent,
  });
  sandbox.failNext(1);
  await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      client.post('payments', { json: { amount: i }, idempotencyKey: 'auto' }).json(),
    ),
  );
  report.notes.push(
    'API key, bearer JWT and a signature covering both on every request; one 503 retried, signed again',
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
      await oauthScheme(sandbox),
      await hmacScheme(sandbox),
      await mtlsScheme(sandbox),
      await connectedAccountsScheme(sandbox),
      await hybridScheme(sandbox),
    ];
    return reports;
  } finally {
    await sandbox.close();
  }
}

if (import.meta.main) {
  const started = performance.now();
  console.log('Starting the partner sandbox on loopback: token server, partner API, mTLS endpoint …');
  const reports = await runDemo();
  console.log('Attaché demo — every scheme against a partner sandbox on loopback\n');
  printReports(reports);
  console.log(`\nfinished in ${Math.round(performance.now() - started)} ms`);
}
