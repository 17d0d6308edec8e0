// The smoke calls run against the packed packages installed in a scratch project. Written as CommonJS so
// that both entry files can load it: `smoke.mjs` (ESM `import` of every package) and `smoke.cjs`
// (`require()` of every package). Each check calls something real from a package, over real sockets.
'use strict';

const assert = require('node:assert/strict');
const { createHash, X509Certificate } = require('node:crypto');
const { readFileSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { join } = require('node:path');

/** Every package a consumer loads, in the order the entry files load them (msw/node: testing's peer). */
const PACKAGES = [
  '@attache/core',
  '@attache/api-key',
  '@attache/hmac',
  '@attache/mtls-node',
  '@attache/oauth-cc',
  '@attache/testing',
  '@attache/token-store-redis',
  '@attache/otel',
  'msw/node',
];

/** The checks, each with the packages it calls. */
const CHECKS = [
  {
    name: '@attache/core + @attache/api-key: createFetch and createClient over node:http',
    needs: ['@attache/core', '@attache/api-key'],
    run: apiKeyOverHttp,
  },
  {
    name: '@attache/core: token source (single flight) with tokenAuth',
    needs: ['@attache/core'],
    run: tokenSourceOverHttp,
  },
  {
    name: '@attache/hmac: hmacAuth signs, createHmacVerifier verifies on the server',
    needs: ['@attache/core', '@attache/hmac'],
    run: hmacRoundTrip,
  },
  {
    name: '@attache/mtls-node: mtlsTransport over https with a client certificate, certificateThumbprint',
    needs: ['@attache/core', '@attache/api-key', '@attache/mtls-node'],
    run: mtls,
  },
  {
    name: '@attache/oauth-cc + @attache/testing: client credentials against the msw mocks',
    needs: ['@attache/core', '@attache/oauth-cc', '@attache/testing', 'msw/node'],
    run: oauthAgainstMocks,
  },
  {
    name: '@attache/token-store-redis: createRedisTokenStore (encrypted) on a real redis-server, lock and token source',
    needs: ['@attache/core', '@attache/token-store-redis'],
    run: redisStore,
  },
  {
    name: '@attache/otel: attacheTelemetry (no-op API) and consoleEventLogger on the event stream of a call',
    needs: ['@attache/core', '@attache/otel'],
    run: otelOnEvents,
  },
];

/** The packages to load: `ATTACHE_SMOKE_PACKAGES` (comma-separated) or all of them. */
function selectedPackages() {
  const wanted = process.env.ATTACHE_SMOKE_PACKAGES;
  if (!wanted) return PACKAGES;
  const names = wanted.split(',').filter(Boolean);
  // testing needs its peer msw: load msw/node whenever testing is loaded.
  return PACKAGES.filter(
    (name) => names.includes(name) || (name === 'msw/node' && names.includes('@attache/testing')),
  );
}

/**
 * Runs every check whose packages are loaded and prints one `SMOKE-RESULT {json}` line.
 * @param {Record<string, any>} modules the loaded packages by name, plus `msw/node`
 * @param {Record<string, string>} resolved the file each name resolved to
 * @param {string} mode `esm` or `cjs`
 */
async function runSmoke(modules, resolved, mode) {
  const started = Date.now();
  for (const [name, file] of Object.entries(resolved)) {
    if (!name.startsWith('@attache/')) continue;
    const expected = join('node_modules', name, 'dist', 'index.js');
    assert.ok(file.endsWith(expected), `${name} resolved to ${file}, expected …/${expected}`);
  }
  const results = [];
  const skipped = [];
  for (const check of CHECKS) {
    if (!check.needs.every((name) => name in modules)) {
      skipped.push(check.name);
      continue;
    }
    const t0 = Date.now();
    await check.run(modules);
    results.push({ name: check.name, ms: Date.now() - t0 });
  }
  const summary = {
    mode,
    node: process.version,
    packages: Object.keys(modules).filter((name) => name.startsWith('@attache/')),
    checks: results,
    skipped,
    ms: Date.now() - started,
  };
  process.stdout.write(`SMOKE-RESULT ${JSON.stringify(summary)}\n`);
}

/** A call through createFetch whose events feed @attache/otel's telemetry and JSON log lines. */
async function otelOnEvents(m) {
  const { createFetch } = m['@attache/core'];
  const { attacheTelemetry, combineListeners, consoleEventLogger } = m['@attache/otel'];
  const server = await listen(() => Response.json({ ok: true }));
  try {
    const lines = [];
    const telemetry = attacheTelemetry();
    const partnerFetch = createFetch({
      baseUrl: server.origin,
      auth: [telemetry.propagation],
      onEvent: combineListeners(
        telemetry.onEvent,
        consoleEventLogger({ write: (line) => lines.push(JSON.parse(line)) }),
      ),
    });
    assert.equal((await partnerFetch('orders')).status, 200);
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['request:start', 'attempt:start', 'attempt:end', 'request:end'],
    );
    assert.equal(new Set(lines.map((line) => line.callId)).size, 1);
  } finally {
    await server.close();
  }
}

/** Starts `handler` on 127.0.0.1 (or https with `tls` options) and returns the origin and a closer. */
async function listen(handler, tls) {
  const server = tls ? https.createServer(tls, wrap(handler)) : http.createServer(wrap(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Turns a node:http request into a web `Request` for `handler`, and its `Response` back. */
function wrap(handler) {
  return async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const scheme = req.socket.encrypted ? 'https' : 'http';
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const request = new Request(`${scheme}://${req.headers.host}${req.url}`, {
        method: req.method,
        headers,
        ...(body ? { body } : {}),
      });
      const response = await handler(request, req);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error?.stack ? error.stack : error));
    }
  };
}

async function apiKeyOverHttp(m) {
  const { createClient, createFetch, secret, ConfigError, isAttacheError } = m['@attache/core'];
  const { apiKeyAuth } = m['@attache/api-key'];
  const seen = [];
  const server = await listen((request) => {
    seen.push(request.headers.get('x-api-key'));
    return Response.json({ path: new URL(request.url).pathname });
  });
  try {
    const auth = apiKeyAuth({ key: secret('smoke-key-1') });
    const partnerFetch = createFetch({ baseUrl: server.origin, auth, retry: false });
    const response = await partnerFetch('v1/orders');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { path: '/v1/orders' });

    const client = createClient({ baseUrl: server.origin, auth });
    assert.deepEqual(await client.get('v1/invoices').json(), { path: '/v1/invoices' });
    assert.deepEqual(seen, ['smoke-key-1', 'smoke-key-1']);

    // Errors from every package are core's, branded across copies.
    assert.throws(
      () => apiKeyAuth({ key: 'smoke key' }),
      (error) =>
        error instanceof ConfigError && isAttacheError(error) && !error.message.includes('smoke key'),
    );
  } finally {
    await server.close();
  }
}

async function tokenSourceOverHttp(m) {
  const { createFetch, createTokenSource, secret, tokenAuth } = m['@attache/core'];
  let fetches = 0;
  const source = createTokenSource(async () => {
    fetches += 1;
    await new Promise((resolve) => setImmediate(resolve));
    return { accessToken: secret(`smoke-token-${fetches}`), expiresIn: 300 };
  });
  const seen = [];
  const server = await listen((request) => {
    seen.push(request.headers.get('authorization'));
    return new Response(null, { status: 204 });
  });
  try {
    const partnerFetch = createFetch({ baseUrl: server.origin, auth: tokenAuth({ source }) });
    const responses = await Promise.all(Array.from({ length: 5 }, () => partnerFetch('ping')));
    assert.deepEqual(
      responses.map((response) => response.status),
      [204, 204, 204, 204, 204],
    );
    assert.equal(fetches, 1);
    assert.deepEqual(seen, Array(5).fill('Bearer smoke-token-1'));
  } finally {
    await server.close();
  }
}

async function hmacRoundTrip(m) {
  const { createFetch, secret } = m['@attache/core'];
  const { createHmacVerifier, hmacAuth } = m['@attache/hmac'];
  const key = secret('smoke-hmac-key-of-at-least-32-bytes');
  const verifier = createHmacVerifier({ keys: { 'smoke-client': key } });
  const outcomes = [];
  const server = await listen(async (request) => {
    const result = await verifier.verify(request);
    // The same signature over other bytes must not verify.
    const tampered = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: '{"amount":1000000}',
    });
    const tamperedResult = await verifier.verify(tampered);
    outcomes.push({
      ok: result.ok,
      keyId: result.ok ? result.keyId : result.reason,
      tampered: tamperedResult.ok,
    });
    return Response.json({ ok: result.ok }, { status: result.ok ? 200 : 401 });
  });
  try {
    const partnerFetch = createFetch({
      baseUrl: server.origin,
      auth: hmacAuth({ keyId: 'smoke-client', key }),
      retry: false,
    });
    const response = await partnerFetch('payments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount":100}',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(outcomes, [{ ok: true, keyId: 'smoke-client', tampered: false }]);
  } finally {
    await server.close();
  }
}

async function mtls(m) {
  const { apiKeyAuth } = m['@attache/api-key'];
  const { createFetch, secret } = m['@attache/core'];
  const { certificateThumbprint, mtlsTransport } = m['@attache/mtls-node'];
  const dir = process.env.ATTACHE_SMOKE_CERTS;
  assert.ok(dir, 'ATTACHE_SMOKE_CERTS must name the directory with the generated certificates');
  const pem = (name) => readFileSync(join(dir, name), 'utf8');
  const clientCert = pem('client.pem');

  const expected = createHash('sha256').update(new X509Certificate(clientCert).raw).digest('base64url');
  assert.equal(certificateThumbprint(clientCert), expected);

  const server = await listen(
    (request, req) => {
      const peer = req.socket.getPeerCertificate();
      return Response.json({ cn: peer.subject?.CN, key: request.headers.get('x-api-key') });
    },
    {
      key: pem('server-key.pem'),
      cert: pem('server.pem'),
      ca: pem('ca.pem'),
      requestCert: true,
      rejectUnauthorized: true,
    },
  );
  const transport = mtlsTransport({
    cert: clientCert,
    key: secret(pem('client-key.pem')),
    ca: pem('ca.pem'),
  });
  try {
    const partnerFetch = createFetch({
      baseUrl: server.origin,
      auth: apiKeyAuth({ key: 'smoke-key-2' }),
      transport,
      retry: false,
    });
    const response = await partnerFetch('accounts');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { cn: 'attache-smoke-client', key: 'smoke-key-2' });
  } finally {
    await transport.close();
    await server.close();
  }
}

async function oauthAgainstMocks(m) {
  const { createFetch, secret } = m['@attache/core'];
  const { clientCredentialsAuth } = m['@attache/oauth-cc'];
  const { mockAuthorizationServer, mockPartnerApi } = m['@attache/testing'];
  const { setupServer } = m['msw/node'];
  const issuer = 'https://auth.smoke.test';
  const apiUrl = 'https://api.smoke.test';
  const as = mockAuthorizationServer({
    issuer,
    clients: [{ clientId: 'smoke', clientSecret: 'smoke-secret', scopes: ['orders:read'] }],
    audience: apiUrl,
  });
  const api = mockPartnerApi({
    baseUrl: apiUrl,
    guards: { bearer: { authorizationServer: as, audience: apiUrl, scopes: ['orders:read'] } },
  });
  const unhandled = [];
  const server = setupServer(...as.handlers, ...api.handlers);
  server.listen({
    onUnhandledFrame({ frame, defaults }) {
      const request = frame.data?.request;
      unhandled.push(request ? `${request.method} ${request.url}` : frame.protocol);
      defaults.error();
    },
  });
  try {
    const partnerFetch = createFetch({
      baseUrl: apiUrl,
      auth: clientCredentialsAuth({
        issuer,
        clientId: 'smoke',
        clientSecret: secret('smoke-secret'),
        scope: 'orders:read',
      }),
    });
    const responses = await Promise.all([partnerFetch('orders/1'), partnerFetch('orders/2')]);
    assert.deepEqual(
      responses.map((response) => response.status),
      [200, 200],
    );
    assert.equal(as.calls.token, 1);
    assert.equal(as.issued.length, 1);
    assert.deepEqual(unhandled, []);
  } finally {
    server.close();
  }
}

async function redisStore(m) {
  const { createFetch, createTokenSource, secret, tokenAuth } = m['@attache/core'];
  const { createRedisTokenStore } = m['@attache/token-store-redis'];
  const url = process.env.ATTACHE_SMOKE_REDIS_URL;
  assert.ok(url, 'ATTACHE_SMOKE_REDIS_URL must point at a running redis-server');
  // Runs share one redis-server: each process writes under its own prefix.
  const store = createRedisTokenStore({
    url: secret(url),
    prefix: `smoke-${process.pid}:`,
    encryption: { key: new Uint8Array(32).fill(7) },
  });
  const seen = [];
  const server = await listen((request) => {
    seen.push(request.headers.get('authorization'));
    return new Response(null, { status: 204 });
  });
  try {
    // The store hands back only entries a token source wrote (anything else is a miss).
    const entry = JSON.stringify({
      version: 1,
      accessToken: 'smoke-token',
      tokenType: 'Bearer',
      issuedAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    });
    await store.set('entry', entry, 10_000);
    assert.equal(await store.get('entry'), entry);
    const lock = await store.acquireLock('entry', 5_000);
    assert.ok(lock, 'the first acquireLock gets the lock');
    assert.equal(await store.acquireLock('entry', 5_000), null);
    await lock.release();
    assert.equal(await store.delete('entry'), true);

    let fetches = 0;
    const source = createTokenSource(
      async () => {
        fetches += 1;
        return { accessToken: secret('smoke-redis-token'), expiresIn: 300 };
      },
      { key: `smoke-${process.pid}`, store },
    );
    const partnerFetch = createFetch({ baseUrl: server.origin, auth: tokenAuth({ source }) });
    const responses = await Promise.all([partnerFetch('a'), partnerFetch('b'), partnerFetch('c')]);
    assert.deepEqual(
      responses.map((response) => response.status),
      [204, 204, 204],
    );
    assert.equal(fetches, 1);
    assert.deepEqual(seen, Array(3).fill('Bearer smoke-redis-token'));
    assert.ok(store.isAvailable());
  } finally {
    await store.close();
    await server.close();
  }
}

module.exports = { CHECKS, PACKAGES, runSmoke, selectedPackages };
