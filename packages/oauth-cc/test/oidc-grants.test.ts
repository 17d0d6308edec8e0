// Connected-account grants against a real authorization server over real HTTP on loopback: oidc-provider's
// own refresh_token grant with rotation, and RFC 8693 / RFC 7523 grants registered through its grant-type
// API. No msw in this file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFetch, createMemoryTokenStore, secret, TokenAcquisitionError } from '@attache/core';
import { fileCredential } from '@attache/mtls-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientSecretPost,
  jwtBearerAuth,
  publicClient,
  ReconnectRequiredError,
  refreshTokenAuth,
  tokenExchangeAuth,
} from '../src/index.ts';
import {
  type GrantsProviderHarness,
  JWT_BEARER,
  PARTNER_AUDIENCE,
  startGrantsProvider,
  TOKEN_EXCHANGE,
} from './support/oidc-grants-provider.ts';

const SCOPE = 'invoices:read';
const PLATFORM_SECRET = 'platform-client-secret-0123456789';
const ORDERS_SECRET = 'orders-client-secret-0123456789';
const INGEST_SECRET = 'ingest-client-secret-0123456789';
const LIFETIME = 600; // seconds: the access token lifetime the server grants

let as: GrantsProviderHarness;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attache-oidc-grants-'));
  as = await startGrantsProvider({
    scopes: [SCOPE, 'invoices:write'],
    accessTokenTtl: LIFETIME,
    clients: [
      {
        // The integration platform: authorization code flows connected the accounts it serves.
        client_id: 'platform',
        client_secret: PLATFORM_SECRET,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['https://platform.example/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'orders-service',
        client_secret: ORDERS_SECRET,
        grant_types: [TOKEN_EXCHANGE],
        response_types: [],
        redirect_uris: [],
        scope: SCOPE,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // A workload whose only credential is the platform's token: no secret at all.
        client_id: 'ci-runner',
        grant_types: [JWT_BEARER],
        response_types: [],
        redirect_uris: [],
        scope: SCOPE,
        token_endpoint_auth_method: 'none',
      },
      {
        // A confidential client presenting an assertion too (RFC 7523 §3.1: both authenticate).
        client_id: 'ingest',
        client_secret: INGEST_SECRET,
        grant_types: [JWT_BEARER],
        response_types: [],
        redirect_uris: [],
        scope: SCOPE,
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
  });
});

afterAll(async () => {
  await as?.close();
  await rm(dir, { recursive: true, force: true });
});

// Expiries: the tests move the client's clock past each access token's lifetime. The server's tokens stay
// valid, so each refresh is the client's own decision, and the counts below are the client's behaviour.

/** The server's own record of refresh_token grants for the platform client: successes and errors. */
function refreshOutcomes() {
  return as.outcomes.filter((o) => o.grantType === 'refresh_token');
}

function accounts(now: () => number, store = createMemoryTokenStore({ now })) {
  return {
    store,
    auth: refreshTokenAuth({
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'platform',
      clientSecret: secret(PLATFORM_SECRET),
      store,
      now,
    }),
  };
}

async function storedRefreshToken(
  store: ReturnType<typeof createMemoryTokenStore>,
  auth: ReturnType<typeof refreshTokenAuth>,
  account: string,
): Promise<string | undefined> {
  const entry = await store.get(`${auth.source(account).key}#refresh`);
  return entry == null ? undefined : (JSON.parse(entry) as { refreshToken: string }).refreshToken;
}

describe('refreshTokenAuth against oidc-provider (rotateRefreshToken: true)', () => {
  it('rotates on every refresh, one refresh per expiry for concurrent calls, the stored token always the newest', async () => {
    let now = Date.now();
    const clock = () => now;
    const { store, auth } = accounts(clock);
    const seeded = await as.seedRefreshToken('acme', 'platform', SCOPE);
    await auth.connect('acme', { refreshToken: secret(seeded.refreshToken) });
    const fetch = createFetch({ baseUrl: as.api, auth, now: clock });
    const before = refreshOutcomes().length;
    const EXPIRIES = 5;
    const CONCURRENT = 12;
    const storedAfterEach: string[] = [];

    for (let expiry = 0; expiry < EXPIRIES; expiry++) {
      const bodies = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const response = await fetch('acme/invoices', { account: 'acme' });
          expect(response.status).toBe(200);
          return (await response.json()) as { accountId: string; clientId: string };
        }),
      );
      expect(bodies).toEqual(
        Array(CONCURRENT).fill({
          accountId: 'acme',
          clientId: 'platform',
          grantType: 'authorization_code refresh_token',
        }),
      );
      // One refresh for the 12 concurrent calls, and the server's newest refresh token is the stored one.
      expect(refreshOutcomes().length - before).toBe(expiry + 1);
      const held = as.refreshTokens(seeded.grantId);
      expect(held).toHaveLength(expiry + 2);
      const newest = held.at(-1);
      expect(newest).toMatchObject({ consumed: false, rotations: expiry + 1 });
      expect(held.slice(0, -1).every((token) => token.consumed)).toBe(true);
      const stored = await storedRefreshToken(store, auth, 'acme');
      expect(stored).toBe(newest?.value);
      storedAfterEach.push(stored as string);
      now += (LIFETIME + 1) * 1000;
    }

    expect(
      refreshOutcomes()
        .slice(before)
        .every((o) => o.error === undefined),
    ).toBe(true);
    // Every refresh gave a new refresh token, none of them the seeded one.
    expect(new Set([seeded.refreshToken, ...storedAfterEach]).size).toBe(EXPIRIES + 1);
  });

  it('two instances sharing one store (as processes share Redis): one refresh per expiry between them', async () => {
    let now = Date.now();
    const clock = () => now;
    const store = createMemoryTokenStore({ now: clock });
    const one = accounts(clock, store);
    const two = accounts(clock, store);
    const seeded = await as.seedRefreshToken('hooli', 'platform', SCOPE);
    await one.auth.connect('hooli', { refreshToken: seeded.refreshToken });
    const fetches = [one, two].map(({ auth }) => createFetch({ baseUrl: as.api, auth, now: clock }));
    const before = refreshOutcomes().length;
    for (let expiry = 0; expiry < 4; expiry++) {
      const statuses = await Promise.all(
        fetches.flatMap((fetch) =>
          Array.from({ length: 8 }, () =>
            fetch('hooli/invoices', { account: 'hooli' }).then((r) => r.status),
          ),
        ),
      );
      expect(statuses).toEqual(Array(16).fill(200));
      expect(
        refreshOutcomes()
          .slice(before)
          .map((o) => o.error),
      ).toEqual(Array(expiry + 1).fill(undefined));
      const held = as.refreshTokens(seeded.grantId);
      expect(await storedRefreshToken(store, two.auth, 'hooli')).toBe(held.at(-1)?.value);
      expect(held.at(-1)?.consumed).toBe(false);
      now += (LIFETIME + 1) * 1000;
    }
  });

  it('a reused (rotated) refresh token is refused: ReconnectRequiredError, not retried, and the server revokes the grant', async () => {
    let now = Date.now();
    const clock = () => now;
    const seeded = await as.seedRefreshToken('globex', 'platform', SCOPE);
    const first = accounts(clock);
    await first.auth.connect('globex', { refreshToken: seeded.refreshToken });
    const fetch = createFetch({ baseUrl: as.api, auth: first.auth, now: clock });
    expect((await fetch('globex/invoices', { account: 'globex' })).status).toBe(200);
    const rotated = await storedRefreshToken(first.store, first.auth, 'globex');
    expect(rotated).not.toBe(seeded.refreshToken);

    // Another instance still holds the connected (now rotated away) refresh token, as a stale copy would.
    const stale = accounts(clock);
    await stale.auth.connect('globex', { refreshToken: seeded.refreshToken });
    const staleFetch = createFetch({ baseUrl: as.api, auth: stale.auth, now: clock });
    const before = refreshOutcomes().length;
    const error = await staleFetch('globex/invoices', { account: 'globex' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconnectRequiredError);
    expect(error).toMatchObject({
      account: 'globex',
      error: 'invalid_grant',
      status: 400,
      isRetryable: false,
    });
    expect(String((error as Error).message)).not.toContain(seeded.refreshToken);
    // Exactly one token request, refused by the server; never retried.
    expect(refreshOutcomes().slice(before)).toEqual([
      { grantType: 'refresh_token', clientId: 'platform', error: 'invalid_grant' },
    ]);
    // The dead token is forgotten: the next call asks for a reconnection without a token request.
    await expect(staleFetch('globex/invoices', { account: 'globex' })).rejects.toBeInstanceOf(
      ReconnectRequiredError,
    );
    expect(refreshOutcomes().length - before).toBe(1);

    // oidc-provider treats the reuse as a stolen token: the whole grant is revoked, the newest token too.
    expect(as.hasGrant(seeded.grantId)).toBe(false);
    now += (LIFETIME + 1) * 1000;
    await expect(fetch('globex/invoices', { account: 'globex' })).rejects.toMatchObject({
      name: 'ReconnectRequiredError',
      account: 'globex',
      error: 'invalid_grant',
    });
    expect(refreshOutcomes().length - before).toBe(2);

    // Reconnecting (a new authorization) brings the account back.
    const again = await as.seedRefreshToken('globex', 'platform', SCOPE);
    await first.auth.connect('globex', { refreshToken: again.refreshToken });
    expect((await fetch('globex/invoices', { account: 'globex' })).status).toBe(200);
    expect(as.refreshTokens(again.grantId).map((t) => t.consumed)).toEqual([true, false]);
  });

  it('20 accounts with concurrent calls: each request carries its own account’s token, one refresh per account', async () => {
    const clock = () => Date.now();
    const { auth } = accounts(clock);
    const names = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);
    for (const name of names) {
      await auth.connect(name, {
        refreshToken: (await as.seedRefreshToken(name, 'platform', SCOPE)).refreshToken,
      });
    }
    const fetch = createFetch({ baseUrl: as.api, auth, now: clock });
    const before = refreshOutcomes().length;
    const seen = await Promise.all(
      names.flatMap((name) =>
        Array.from({ length: 5 }, async () => {
          const response = await fetch(`${name}/invoices`, { account: name });
          return ((await response.json()) as { accountId: string }).accountId;
        }),
      ),
    );
    expect(seen).toEqual(names.flatMap((name) => Array(5).fill(name)));
    expect(refreshOutcomes().slice(before)).toHaveLength(20);
    expect(
      refreshOutcomes()
        .slice(before)
        .every((o) => o.error === undefined),
    ).toBe(true);
  });
});

/** The server's record of one custom grant's outcomes since `from`. */
function grantOutcomes(grantType: string, from = 0) {
  return as.outcomes.slice(from).filter((o) => o.grantType === grantType);
}

describe('tokenExchangeAuth against RFC 8693 registered with provider.registerGrantType', () => {
  const exchange = (
    subjectToken: Parameters<typeof tokenExchangeAuth>[0]['subjectToken'],
    clientSecret = ORDERS_SECRET,
    audience = PARTNER_AUDIENCE,
  ) =>
    tokenExchangeAuth({
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'orders-service',
      clientSecret: secret(clientSecret),
      subjectToken,
      subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
      audience,
      scope: SCOPE,
      tokenSource: { key: `exchange:${crypto.randomUUID()}` },
    });

  it('exchanges the platform’s subject token once for concurrent calls, after the provider authenticated the client', async () => {
    let reads = 0;
    const auth = exchange(async () => {
      reads++;
      return secret(await as.platformToken({ sub: 'user-7', aud: as.issuer }));
    });
    const from = as.outcomes.length;
    const fetch = createFetch({ baseUrl: as.api, auth });
    const bodies = await Promise.all(
      Array.from({ length: 15 }, async () => {
        const response = await fetch('orders');
        expect(response.status).toBe(200);
        return response.json();
      }),
    );
    expect(bodies).toEqual(
      Array(15).fill({
        accountId: 'user-7',
        clientId: 'orders-service',
        grantType: 'token-exchange',
        audience: PARTNER_AUDIENCE,
      }),
    );
    expect(grantOutcomes(TOKEN_EXCHANGE, from)).toEqual([
      { grantType: TOKEN_EXCHANGE, clientId: 'orders-service', error: undefined },
    ]);
    expect(reads).toBe(1);
  });

  it('a subject token the server cannot verify is a TokenAcquisitionError (invalid_grant) that quotes no token, sent once', async () => {
    const cases = [
      [
        'signed by an untrusted key',
        await as.platformToken({ sub: 'user-7', aud: as.issuer }, { foreignKey: true }),
      ],
      ['for another audience', await as.platformToken({ sub: 'user-7', aud: 'https://elsewhere.example' })],
      ['expired', await as.platformToken({ sub: 'user-7', aud: as.issuer }, { expiresIn: -120 })],
    ] as const;
    for (const [, token] of cases) {
      const from = as.outcomes.length;
      const error = await createFetch({ baseUrl: as.api, auth: exchange(token) })('orders').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TokenAcquisitionError);
      expect(error).not.toBeInstanceOf(ReconnectRequiredError);
      expect(error).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect((error as Error).message).not.toContain(token);
      expect(grantOutcomes(TOKEN_EXCHANGE, from)).toEqual([
        { grantType: TOKEN_EXCHANGE, clientId: 'orders-service', error: 'invalid_grant' },
      ]);
    }
    expect(as.apiRequests.filter((r) => r.status === 401)).toEqual([]);
  });

  it('the provider’s own client authentication runs first: a wrong client secret is invalid_client', async () => {
    const token = await as.platformToken({ sub: 'user-7', aud: as.issuer });
    const error = await createFetch({ baseUrl: as.api, auth: exchange(token, 'not-the-secret') })(
      'orders',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
    expect((error as Error).message).not.toContain('not-the-secret');
  });
  it('an audience the server does not serve is invalid_target, a typed error', async () => {
    const token = await as.platformToken({ sub: 'user-7', aud: as.issuer });
    const auth = exchange(token, ORDERS_SECRET, 'https://elsewhere.example');
    const error = await createFetch({ baseUrl: as.api, auth })('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'invalid_target', status: 400 });
  });
});

describe('jwtBearerAuth against RFC 7523 registered with provider.registerGrantType', () => {
  it('presents the workload token from a fileCredential, re-read when it rotates on disk; one grant per expiry', async () => {
    let now = Date.now();
    const clock = () => now;
    const path = join(dir, 'partner-token');
    const assertion = (jti: string) =>
      as.platformToken({ sub: 'system:serviceaccount:ci:runner', aud: as.tokenEndpoint, jti });
    await writeFile(path, `${await assertion('rotation-1')}\n`);
    const auth = jwtBearerAuth({
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'ci-runner',
      clientAuthentication: publicClient(),
      assertion: fileCredential(path),
      scope: SCOPE,
      now: clock,
      tokenSource: { key: `bearer:${crypto.randomUUID()}` },
    });
    const fetch = createFetch({ baseUrl: as.api, auth, now: clock });
    const from = as.outcomes.length;
    const before = as.acceptedAssertions.length;
    const call = async () => {
      const responses = await Promise.all(Array.from({ length: 10 }, () => fetch('builds')));
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      return responses[0]?.json();
    };

    expect(await call()).toEqual({
      accountId: 'system:serviceaccount:ci:runner',
      clientId: 'ci-runner',
      grantType: 'jwt-bearer',
    });
    for (const rotation of [2, 3, 4]) {
      // The platform rotates the projected token; the access token expires.
      await writeFile(path, `${await assertion(`rotation-${rotation}`)}\n`);
      now += (LIFETIME + 1) * 1000;
      await call();
    }
    expect(as.acceptedAssertions.slice(before)).toEqual([
      'rotation-1',
      'rotation-2',
      'rotation-3',
      'rotation-4',
    ]);
    expect(grantOutcomes(JWT_BEARER, from)).toHaveLength(4);
    expect(
      grantOutcomes(JWT_BEARER, from).every((o) => o.clientId === 'ci-runner' && o.error === undefined),
    ).toBe(true);

    // Not rotated before the next expiry: the server refuses the replayed assertion, a typed error.
    now += (LIFETIME + 1) * 1000;
    const error = await fetch('builds').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(grantOutcomes(JWT_BEARER, from).map((o) => o.error)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'invalid_grant',
    ]);
  });

  it('with client_secret_post: the provider authenticates the client, then the handler checks the assertion', async () => {
    const auth = (clientSecret: string) =>
      jwtBearerAuth({
        tokenEndpoint: as.tokenEndpoint,
        clientId: 'ingest',
        clientAuthentication: clientSecretPost(secret(clientSecret)),
        assertion: () => as.platformToken({ sub: 'ingest-pipeline', aud: as.tokenEndpoint }),
        scope: SCOPE,
        tokenSource: { key: `bearer:${crypto.randomUUID()}` },
      });
    const fetch = createFetch({ baseUrl: as.api, auth: auth(INGEST_SECRET) });
    const from = as.outcomes.length;
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => fetch('events').then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    expect(as.apiRequests.at(-1)).toMatchObject({
      accountId: 'ingest-pipeline',
      clientId: 'ingest',
      grantType: 'jwt-bearer',
    });
    expect(grantOutcomes(JWT_BEARER, from)).toEqual([
      { grantType: JWT_BEARER, clientId: 'ingest', error: undefined },
    ]);
    const error = await createFetch({ baseUrl: as.api, auth: auth('wrong') })('events').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
    // Refused by the provider's client authentication, which no grant handler answers with.
    expect(grantOutcomes(JWT_BEARER, from).map((o) => o.error)).toEqual([undefined, 'invalid_client']);
  });

  it('an assertion from an untrusted signer is refused (invalid_grant), with nothing secret in the error', async () => {
    const token = await as.platformToken({ sub: 'intruder', aud: as.tokenEndpoint }, { foreignKey: true });
    const auth = jwtBearerAuth({
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'ci-runner',
      clientAuthentication: publicClient(),
      assertion: token,
      tokenSource: { key: `bearer:${crypto.randomUUID()}` },
    });
    const error = await createFetch({ baseUrl: as.api, auth })('builds').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect((error as Error).message).not.toContain(token);
  });
});
