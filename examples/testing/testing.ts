/**
 * `@attache/testing` plays the partner in a test suite: msw handlers for an OAuth authorization server and a
 * partner API that verifies the bearer JWT against that server's JWKS, plus fault injection and call
 * counters. Nothing listens on a port: msw intercepts `fetch` in this process.
 *
 * Run it: `node --conditions=@attache/source examples/testing/testing.ts`
 */
import { createFetch, secret } from '@attache/core';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { setupServer } from 'msw/node';

export interface TestingExampleResult {
  readonly order: unknown;
  readonly tokenRequests: number;
  readonly apiCalls: {
    readonly total: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly faulted: number;
  };
}

export async function runTestingExample(
  log: (line: string) => void = console.log,
): Promise<TestingExampleResult> {
  const authorizationServer = mockAuthorizationServer({
    issuer: 'https://auth.partner.test',
    clients: [{ clientId: 'billing', clientSecret: 'test-secret', scopes: ['orders:read'] }],
  });
  const api = mockPartnerApi({
    baseUrl: 'https://api.partner.test',
    guards: { bearer: { authorizationServer, scopes: ['orders:read'] } },
    routes: { 'GET /orders/:id': ({ params }) => ({ id: params.id, status: 'shipped' }) },
  });
  const server = setupServer(...authorizationServer.handlers, ...api.handlers);
  server.listen({ onUnhandledFrame: 'error' });
  try {
    const partner = createFetch({
      baseUrl: 'https://api.partner.test',
      auth: clientCredentialsAuth({
        issuer: 'https://auth.partner.test',
        clientId: 'billing',
        clientSecret: secret('test-secret'),
        scope: 'orders:read',
      }),
      retry: { baseDelay: 1 },
    });

    api.faults.failNext(2, 503);
    const order = await (await partner('orders/42')).json();
    log(`two injected 503s, then ${JSON.stringify(order)}; API calls ${api.calls.total}`);

    authorizationServer.revoke();
    const again = await partner('orders/43');
    log(
      `every token revoked: ${again.status} after one 401 and a replay; token requests ${authorizationServer.calls.token}`,
    );
    return { order, tokenRequests: authorizationServer.calls.token, apiCalls: { ...api.calls } };
  } finally {
    server.close();
  }
}

if (import.meta.main) {
  await runTestingExample();
}
