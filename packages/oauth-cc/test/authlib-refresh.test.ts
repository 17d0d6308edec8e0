// Connected accounts against an authorization server of another family than oidc-provider: Python Authlib's
// RefreshTokenGrant with rotation (single-use refresh tokens), from Debian's packages, over real HTTP on
// loopback. No msw in this file.
import { createFetch, createMemoryTokenStore, secret } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconnectRequiredError, refreshTokenAuth } from '../src/index.ts';
import { type AuthlibServer, startAuthlibServer } from './support/authlib-server.ts';

const CLIENT_SECRET = 'platform-secret-0123456789';
const LIFETIME = 600;

let as: AuthlibServer;

// Installing Debian's packages on a fresh machine takes a while.
beforeAll(async () => {
  as = await startAuthlibServer({ clientId: 'platform', clientSecret: CLIENT_SECRET, lifetime: LIFETIME });
}, 180_000);

afterAll(async () => {
  await as?.close();
});

function accounts(now: () => number, store = createMemoryTokenStore({ now })) {
  const auth = refreshTokenAuth({
    tokenEndpoint: as.tokenEndpoint,
    clientId: 'platform',
    clientSecret: secret(CLIENT_SECRET),
    store,
    now,
  });
  const stored = async (account: string) => {
    const entry = await store.get(`${auth.source(account).key}#refresh`);
    return entry == null ? undefined : (JSON.parse(entry) as { refreshToken: string }).refreshToken;
  };
  return { auth, stored, fetch: createFetch({ baseUrl: as.api, auth, now }) };
}

describe('refreshTokenAuth against Python Authlib (RefreshTokenGrant, INCLUDE_NEW_REFRESH_TOKEN)', () => {
  it('one refresh per expiry for concurrent calls, a new refresh token each time, the stored one always the newest', async () => {
    let now = Date.now();
    const { auth, stored, fetch } = accounts(() => now);
    const connected = await as.connect('acme');
    await auth.connect('acme', { refreshToken: secret(connected) });
    const before = await as.stats();
    const EXPIRIES = 5;
    const CONCURRENT = 12;

    for (let expiry = 0; expiry < EXPIRIES; expiry++) {
      const bodies = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const response = await fetch('acme/invoices', { account: 'acme' });
          expect(response.status).toBe(200);
          return response.json();
        }),
      );
      expect(bodies).toEqual(Array(CONCURRENT).fill({ account: 'acme', asked: 'acme' }));
      const stats = await as.stats();
      expect(stats.refreshes - before.refreshes).toBe(expiry + 1);
      expect(stats.rejected - before.rejected).toBe(0);
      const issued = await as.refreshTokens('acme');
      expect(issued).toHaveLength(expiry + 2);
      expect(issued.map((t) => t.used)).toEqual([...Array(expiry + 1).fill(true), false]);
      expect(await stored('acme')).toBe(issued.at(-1)?.value);
      now += (LIFETIME + 1) * 1000;
    }
  });

  it('two instances sharing one store: one refresh per expiry between them, no refresh token used twice', async () => {
    let now = Date.now();
    const clock = () => now;
    const store = createMemoryTokenStore({ now: clock });
    const one = accounts(clock, store);
    const two = accounts(clock, store);
    await one.auth.connect('hooli', { refreshToken: await as.connect('hooli') });
    const before = await as.stats();
    for (let expiry = 0; expiry < 4; expiry++) {
      const statuses = await Promise.all(
        [one, two].flatMap(({ fetch }) =>
          Array.from({ length: 8 }, () =>
            fetch('hooli/invoices', { account: 'hooli' }).then((r) => r.status),
          ),
        ),
      );
      expect(statuses).toEqual(Array(16).fill(200));
      const stats = await as.stats();
      expect(stats).toEqual({
        refreshes: before.refreshes + expiry + 1,
        rejected: before.rejected,
      });
      expect(await two.stored('hooli')).toBe((await as.refreshTokens('hooli')).at(-1)?.value);
      now += (LIFETIME + 1) * 1000;
    }
  });

  it('two accounts, concurrent calls: each carries its own token; a used refresh token is ReconnectRequiredError, sent once', async () => {
    const now = Date.now();
    const { auth, fetch } = accounts(() => now);
    const first = { globex: await as.connect('globex'), initech: await as.connect('initech') };
    for (const [account, token] of Object.entries(first))
      await auth.connect(account, { refreshToken: token });
    const before = await as.stats();
    const seen = await Promise.all(
      ['globex', 'initech', 'globex', 'initech', 'globex', 'initech'].map(
        async (account) =>
          ((await (await fetch(`${account}/invoices`, { account })).json()) as { account: string }).account,
      ),
    );
    expect(seen).toEqual(['globex', 'initech', 'globex', 'initech', 'globex', 'initech']);
    expect((await as.stats()).refreshes - before.refreshes).toBe(2);

    // A second instance holding the connected, now used, refresh token of globex.
    const stale = accounts(() => now);
    await stale.auth.connect('globex', { refreshToken: first.globex });
    const error = await stale.fetch('globex/invoices', { account: 'globex' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconnectRequiredError);
    expect(error).toMatchObject({
      account: 'globex',
      error: 'invalid_grant',
      status: 400,
      isRetryable: false,
    });
    expect((error as Error).message).not.toContain(first.globex);
    await expect(stale.fetch('globex/invoices', { account: 'globex' })).rejects.toBeInstanceOf(
      ReconnectRequiredError,
    );
    const after = await as.stats();
    expect(after.rejected - before.rejected).toBe(1);
    expect(after.refreshes - before.refreshes).toBe(2);
  });
});
