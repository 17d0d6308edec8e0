/**
 * Connected accounts: an integration platform holds a refresh token for every tenant that connected it. Each
 * call names its tenant; `refreshTokenAuth` refreshes each tenant's access token once per expiry, stores the
 * rotated refresh token (the partner issues single-use ones) before using the new access token, and a
 * revoked connection surfaces as `ReconnectRequiredError`, never retried.
 *
 * Run it: `node --conditions=@attache/source examples/connected-accounts/connected-accounts.ts`
 */
import { type AttacheEvent, createClient, createMemoryTokenStore, secret } from '@attache/core';
import { ReconnectRequiredError, refreshTokenAuth } from '@attache/oauth-cc';
import { serve } from '../support/serve.ts';

/** What the example saw, for its test. */
export interface ConnectedAccountsResult {
  /** Token requests per tenant (one refresh each, then one more after the clock passed expiry). */
  readonly refreshes: Readonly<Record<string, number>>;
  /** Every call's tenant as the partner saw it, in call order. */
  readonly served: readonly string[];
  /** Refresh tokens the partner rotated (each used once). */
  readonly rotations: number;
  /** What a call for the revoked tenant ended with. */
  readonly revoked: string;
}

export async function runConnectedAccountsExample(
  log: (line: string) => void = console.log,
): Promise<ConnectedAccountsResult> {
  let issued = 0;
  let now = Date.now();
  const liveRefresh = new Map<string, string>(); // refresh token → tenant
  const accessTokens = new Map<string, string>(); // access token → tenant
  const refreshes: Record<string, number> = {};
  let rotations = 0;
  // The partner: a token endpoint issuing single-use refresh tokens, and an API scoped per tenant.
  const partner = await serve(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/oauth/token') {
      const form = new URLSearchParams(await request.text());
      const tenant = liveRefresh.get(form.get('refresh_token') ?? '');
      if (tenant === undefined) return Response.json({ error: 'invalid_grant' }, { status: 400 });
      liveRefresh.delete(form.get('refresh_token') ?? '');
      refreshes[tenant] = (refreshes[tenant] ?? 0) + 1;
      const accessToken = `at-${++issued}`;
      const refreshToken = `rt-${tenant}-${++issued}`;
      accessTokens.set(accessToken, tenant);
      liveRefresh.set(refreshToken, tenant);
      rotations++;
      return Response.json({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: refreshToken,
      });
    }
    const tenant = accessTokens.get(request.headers.get('authorization')?.slice(7) ?? '');
    return tenant === undefined ? new Response(null, { status: 401 }) : Response.json({ tenant });
  });

  const events: AttacheEvent[] = [];
  const accounts = refreshTokenAuth({
    tokenEndpoint: `${partner.origin}/oauth/token`,
    clientId: 'integration-platform',
    clientSecret: secret('platform-secret'),
    store: createMemoryTokenStore({ now: () => now }), // share createRedisTokenStore(...) across a fleet
    now: () => now,
  });
  try {
    // Each tenant connected the platform once (an authorization-code flow elsewhere gave these).
    for (const tenant of ['acme', 'globex', 'initech']) {
      const refreshToken = `rt-${tenant}-connected`;
      liveRefresh.set(refreshToken, tenant);
      await accounts.connect(tenant, { refreshToken });
    }
    const partnerApi = createClient({
      baseUrl: partner.origin,
      auth: accounts,
      now: () => now,
      onEvent: (event) => events.push(event),
    });
    const call = (tenant: string) => partnerApi.get('me', { account: tenant }).json<{ tenant: string }>();

    const served: string[] = [];
    const first = await Promise.all(['acme', 'globex', 'initech', 'acme', 'globex', 'initech'].map(call));
    served.push(...first.map((r) => r.tenant));
    log(
      `6 concurrent calls for 3 tenants: served ${served.join(', ')}; refreshes ${JSON.stringify(refreshes)}`,
    );

    now += 16 * 60_000; // past every access token's expiry
    const second = await Promise.all(['acme', 'globex', 'initech'].map(call));
    served.push(...second.map((r) => r.tenant));
    log(`after expiry: refreshes ${JSON.stringify(refreshes)}, ${rotations} refresh tokens rotated`);

    // The tenant disconnects the platform on the partner's side: its refresh token dies.
    for (const [token, tenant] of liveRefresh) if (tenant === 'initech') liveRefresh.delete(token);
    now += 16 * 60_000;
    const revoked = await call('initech').then(
      () => 'ok',
      (error: unknown) =>
        error instanceof ReconnectRequiredError ? `reconnect ${error.account}` : String(error),
    );
    log(`initech after revocation: ${revoked}`);
    return { refreshes: { ...refreshes }, served, rotations, revoked };
  } finally {
    await partner.close();
  }
}

if (import.meta.main) {
  await runConnectedAccountsExample();
}
