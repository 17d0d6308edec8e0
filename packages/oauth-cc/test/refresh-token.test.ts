import {
  ConfigError,
  createClient,
  createFetch,
  createMemoryTokenStore,
  secret,
  type TokenStore,
} from '@attache/core';
import { ReconnectRequiredError, refreshTokenAuth } from '@attache/oauth-cc';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../../test/support/msw.ts';

const TOKEN = 'https://auth.partner.test/oauth/token';
const API = 'https://api.partner.test';
const server = useMswServer();

/**
 * An authorization server that issues single-use refresh tokens: each use returns a new access token and a
 * new refresh token, and the used one is dead (a second use is `invalid_grant`, as strict servers do).
 */
function singleUseServer(options: { lifetime?: number; rotate?: boolean } = {}) {
  const live = new Map<string, string>(); // refresh token → account
  const used: string[] = [];
  const accessTokens = new Map<string, string>(); // access token → account
  let issued = 0;
  const counts = { refreshes: 0, rejected: 0 };
  const seed = (account: string): string => {
    const token = `rt-${account}-${++issued}`;
    live.set(token, account);
    return token;
  };
  server.use(
    http.post(TOKEN, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      expect(request.headers.get('authorization')).toBe(`Basic ${btoa('platform:s3cret')}`);
      expect(form.get('grant_type')).toBe('refresh_token');
      const presented = form.get('refresh_token') ?? '';
      const account = live.get(presented);
      used.push(presented);
      if (account === undefined) {
        counts.rejected++;
        return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
      }
      counts.refreshes++;
      live.delete(presented);
      const accessToken = `at-${account}-${++issued}`;
      accessTokens.set(accessToken, account);
      return HttpResponse.json({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: options.lifetime ?? 3600,
        ...(options.rotate === false ? {} : { refresh_token: seed(account) }),
      });
    }),
    http.get(`${API}/tenants/:account/me`, ({ request, params }) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
      const owner = accessTokens.get(token);
      if (owner === undefined) return new HttpResponse(null, { status: 401 });
      // Every request must carry its own account's token and no other.
      if (owner !== params.account) return HttpResponse.json({ error: 'wrong account' }, { status: 403 });
      return HttpResponse.json({ account: owner });
    }),
  );
  return { seed, used, counts, live };
}

function accountsAuth(store: TokenStore = createMemoryTokenStore(), extra: object = {}) {
  return refreshTokenAuth({
    tokenEndpoint: TOKEN,
    clientId: 'platform',
    clientSecret: secret('s3cret'),
    store,
    ...extra,
  });
}

describe('refreshTokenAuth: connected accounts with rotating refresh tokens', () => {
  it('exchanges the connected refresh token once, and stores the rotated one before the access token is used', async () => {
    const as = singleUseServer();
    const store = createMemoryTokenStore();
    const auth = accountsAuth(store);
    await auth.connect('acme', { refreshToken: secret(as.seed('acme')) });
    const fetch = createFetch({ baseUrl: API, auth });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => fetch('tenants/acme/me', { account: 'acme' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(as.counts).toEqual({ refreshes: 1, rejected: 0 });
    // The stored refresh token is the newest one the server issued: still live.
    const stored = [...as.live.keys()];
    expect(stored).toHaveLength(1);
    const entries = await Promise.all(
      [...Array(1)].map(() => store.get(`${auth.source('acme').key}#refresh`)),
    );
    expect(entries[0]).toContain(stored[0]);
  });

  it('refreshes on every expiry with the newest refresh token, each one used exactly once', async () => {
    let now = 1_000_000;
    const as = singleUseServer({ lifetime: 60 });
    const auth = accountsAuth(createMemoryTokenStore({ now: () => now }), { now: () => now });
    await auth.connect('acme', { refreshToken: as.seed('acme') });
    const fetch = createFetch({ baseUrl: API, auth, now: () => now });
    for (let expiry = 0; expiry < 5; expiry++) {
      const statuses = await Promise.all(
        Array.from({ length: 5 }, () => fetch('tenants/acme/me', { account: 'acme' }).then((r) => r.status)),
      );
      expect(statuses).toEqual(Array(5).fill(200));
      now += 61_000;
    }
    expect(as.counts).toEqual({ refreshes: 5, rejected: 0 });
    expect(new Set(as.used).size).toBe(as.used.length);
  });

  it('100 accounts under concurrent calls: every request carries its own account’s token, one refresh each', async () => {
    const as = singleUseServer();
    const auth = accountsAuth();
    const names = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);
    for (const name of names) await auth.connect(name, { refreshToken: as.seed(name) });
    const client = createClient({ baseUrl: API, auth });
    const results = await Promise.all(
      names.flatMap((name) =>
        Array.from({ length: 4 }, () =>
          client.get(`tenants/${name}/me`, { account: name }).json<{ account: string }>(),
        ),
      ),
    );
    expect(results.map((r) => r.account)).toEqual(names.flatMap((name) => Array(4).fill(name)));
    expect(as.counts).toEqual({ refreshes: 100, rejected: 0 });
  });

  it('keeps at most maxAccounts token sources in memory, least recently used dropped first', async () => {
    singleUseServer();
    const auth = accountsAuth(createMemoryTokenStore(), { maxAccounts: 3 });
    const first = auth.source('a');
    auth.source('b');
    auth.source('c');
    expect(auth.source('a')).toBe(first); // used again: now the most recent
    auth.source('d'); // drops b, the least recently used
    expect(auth.source('a')).toBe(first);
    const c = auth.source('c');
    auth.source('e');
    auth.source('f');
    auth.source('g');
    expect(auth.source('c')).not.toBe(c);
  });

  it('invalid_grant: ReconnectRequiredError, never retried, the dead token forgotten; connect brings it back', async () => {
    const as = singleUseServer();
    const auth = accountsAuth();
    await auth.connect('acme', { refreshToken: 'rt-revoked' });
    const client = createClient({ baseUrl: API, auth });
    for (let i = 0; i < 3; i++) {
      const error = await client.get('tenants/acme/me', { account: 'acme' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReconnectRequiredError);
      expect((error as ReconnectRequiredError).account).toBe('acme');
      expect((error as ReconnectRequiredError).isRetryable).toBe(false);
      expect((error as Error).message).not.toContain('rt-revoked');
    }
    // One request reached the server; the rest failed without a request (nothing stored, or back-off).
    expect(as.counts).toEqual({ refreshes: 0, rejected: 1 });
    await auth.connect('acme', { refreshToken: as.seed('acme') });
    expect((await client.get('tenants/acme/me', { account: 'acme' })).status).toBe(200);
  });

  it('without a refresh token stored, the account must be connected: no request is made', async () => {
    const as = singleUseServer();
    const fetch = createFetch({ baseUrl: API, auth: accountsAuth() });
    await expect(fetch('tenants/ghost/me', { account: 'ghost' })).rejects.toBeInstanceOf(
      ReconnectRequiredError,
    );
    expect(as.used).toEqual([]);
  });

  it('a call must name its account unless there is a default', async () => {
    const as = singleUseServer();
    const store = createMemoryTokenStore();
    const fetch = createFetch({ baseUrl: API, auth: accountsAuth(store) });
    await expect(fetch('tenants/acme/me')).rejects.toThrow(/account call option/);
    const withDefault = accountsAuth(store, { defaultAccount: 'acme' });
    await withDefault.connect('acme', { refreshToken: as.seed('acme') });
    const fetchDefault = createFetch({ baseUrl: API, auth: withDefault });
    expect((await fetchDefault('tenants/acme/me')).status).toBe(200);
    await expect(fetch('tenants/acme/me', { account: 'bad account' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('disconnect forgets the account', async () => {
    const as = singleUseServer();
    const auth = accountsAuth();
    await auth.connect('acme', { refreshToken: as.seed('acme') });
    const fetch = createFetch({ baseUrl: API, auth });
    expect((await fetch('tenants/acme/me', { account: 'acme' })).status).toBe(200);
    await auth.disconnect('acme');
    await expect(fetch('tenants/acme/me', { account: 'acme' })).rejects.toBeInstanceOf(
      ReconnectRequiredError,
    );
  });

  it('validates its options', () => {
    const base = { tokenEndpoint: TOKEN, clientId: 'platform', clientSecret: 's' };
    const noCas: TokenStore = { get: () => undefined, set: () => {}, delete: () => false };
    expect(() => refreshTokenAuth({ ...base, store: noCas })).toThrow(/compareAndSet/);
    expect(() => refreshTokenAuth({ ...base, store: createMemoryTokenStore(), maxAccounts: 0 })).toThrow(
      ConfigError,
    );
    expect(() =>
      refreshTokenAuth({ ...base, store: createMemoryTokenStore(), defaultAccount: 'with space' }),
    ).toThrow(ConfigError);
    expect(() =>
      refreshTokenAuth({
        ...base,
        tokenEndpoint: 'http://auth.partner.test/t',
        store: createMemoryTokenStore(),
      }),
    ).toThrow(ConfigError);
  });
});
