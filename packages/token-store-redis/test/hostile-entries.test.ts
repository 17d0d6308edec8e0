// What Redis holds is not trusted: an entry that is not the token source's (any string), whose token or token
// type a header cannot carry (CR, LF, NUL, other controls, DEL, non-ASCII, surrounding spaces), or that does
// not decrypt, is a miss with a `store:entry-rejected` event. Against a real redis-server, and end to end: a
// planted entry is never sent to the partner; the token source fetches a token of its own instead.
import { createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
import { entry } from './support/entries.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';
import { startTokenServer, type TokenServer } from './support/token-server.ts';

let redis: LocalRedis;
let server: TokenServer;
const stores: RedisTokenStore[] = [];
const KEY = crypto.getRandomValues(new Uint8Array(32));

beforeAll(async () => {
  redis = await startRedis();
  server = await startTokenServer({ expiresIn: 3_600 });
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await redis.admin.flushall();
});
afterAll(async () => {
  await server?.close();
  await redis?.close();
});

function store(encrypted: boolean, events: RedisTokenStoreEvent[]): RedisTokenStore {
  const created = createRedisTokenStore({
    url: redis.url,
    ...(encrypted ? { encryption: { key: KEY } } : {}),
    onEvent: (event) => events.push(event),
  });
  stores.push(created);
  return created;
}

const UNSAFE = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  '\x7f',
  '\u0085',
  'é',
  '\u2028',
  '€',
  '\ud83d\ude00',
];
const safeText = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/='),
  minLength: 1,
  maxLength: 30,
});
/** A token with at least one character a header cannot carry, anywhere in it. */
const unsafeToken = fc
  .tuple(safeText, fc.constantFrom(...UNSAFE), safeText, fc.nat(2))
  .map(([a, bad, b, where]) => (where === 0 ? `${bad}${a}` : where === 1 ? `${a}${bad}${b}` : `${a}${bad}`));
const spaced = fc
  .tuple(safeText, fc.boolean())
  .map(([token, before]) => (before ? ` ${token}` : `${token} `));
const unsafeType = fc
  .tuple(safeText, fc.constantFrom(...UNSAFE, ' ', '"', ',', ':'))
  .map(([a, bad]) => `${a}${bad}`);

type Hostile = { readonly raw: string; readonly reason: 'malformed' | 'unsafe-value' };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  unsafeToken.map((token) => ({ raw: entry(token), reason: 'unsafe-value' as const })),
  spaced.map((token) => ({ raw: entry(token), reason: 'unsafe-value' as const })),
  unsafeType.map((type) => ({ raw: entry('tok', { tokenType: type }), reason: 'unsafe-value' as const })),
  // A refresh token kept for an account (refreshTokenAuth), with a character a form or header cannot carry.
  unsafeToken.map((token) => ({
    raw: JSON.stringify({ version: 1, refreshToken: token }),
    reason: 'unsafe-value' as const,
  })),
  fc
    .constantFrom({ version: 1, refreshToken: '' }, { version: 1, refreshToken: 7 }, { version: 1 })
    .map((broken) => ({ raw: JSON.stringify(broken), reason: 'malformed' as const })),
  // Anything that is not the token source's entry.
  fc
    .string()
    .filter((text) => {
      try {
        return (JSON.parse(text) as { version?: unknown })?.version !== 1;
      } catch {
        return true;
      }
    })
    .map((raw) => ({ raw, reason: 'malformed' as const })),
  fc
    .constantFrom(
      { version: 2 },
      { accessToken: 0 },
      { accessToken: '' },
      { tokenType: '' },
      { tokenType: 7 },
      { expiresAt: 'soon' },
      { issuedAt: null },
      { refreshIn: '5' },
      { extra: 'x' },
      { extra: [] },
    )
    .map((broken) => ({ raw: entry('tok', broken), reason: 'malformed' as const })),
  fc.jsonValue().map((value) => ({ raw: JSON.stringify([value]), reason: 'malformed' as const })),
);

describe.each([
  ['plain', false],
  ['encrypted', true],
])('hostile entries (%s store)', (_name, encrypted) => {
  it('any hostile entry reads as a miss with one store:entry-rejected event naming why', async () => {
    const events: RedisTokenStoreEvent[] = [];
    const s = store(encrypted, events);
    // Encrypted stores seal whatever they are given: a writer holding the key is the hostile one here.
    const writer = store(encrypted, []);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async ({ raw, reason }) => {
        const key = `hostile:${++runs}`;
        if (encrypted) await writer.set(key, raw, 60_000);
        else await redis.admin.set(`attache:token:${key}`, raw, 'PX', 60_000);
        const before = events.length;
        expect(await s.get(key)).toBeNull();
        expect(await s.get(key)).toBeNull();
        expect(events.slice(before)).toEqual([{ type: 'store:entry-rejected', store: 'redis', key, reason }]);
      }),
      { numRuns: 300 },
    );
    expect(runs).toBeGreaterThanOrEqual(300);
  });

  it('valid entries (an access token, a refresh token) are handed back as they are', async () => {
    const events: RedisTokenStoreEvent[] = [];
    const s = store(encrypted, events);
    await fc.assert(
      fc.asyncProperty(safeText, fc.constantFrom('Bearer', 'DPoP', 'MAC'), async (token, tokenType) => {
        const value = entry(`${token} ${token}`, { tokenType, refreshIn: 1_000, extra: { scope: 'a b' } });
        await s.set('good', value, 60_000);
        expect(await s.get('good')).toBe(value);
        const refresh = JSON.stringify({ version: 1, refreshToken: token });
        await s.set('good#refresh', refresh, 60_000);
        expect(await s.get('good#refresh')).toBe(refresh);
      }),
      { numRuns: 100 },
    );
    expect(events).toEqual([]);
  });

  it('end to end: a planted entry never reaches the partner; the source fetches its own token', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async ({ raw, reason }) => {
        const key = `planted:${encrypted}:${++runs}`;
        const events: RedisTokenStoreEvent[] = [];
        const s = store(encrypted, events);
        if (encrypted) await store(true, []).set(key, raw, 60_000);
        else await redis.admin.set(`attache:token:${key}`, raw, 'PX', 60_000);
        const requestsBefore = server.tokenRequests.length;
        const source = createTokenSource(
          async ({ signal }) => {
            const response = await fetch(`${server.origin}/token`, { method: 'POST', signal });
            const body = (await response.json()) as { access_token: string; expires_in: number };
            return { accessToken: secret(body.access_token), expiresIn: body.expires_in };
          },
          { key, store: s },
        );
        const api = createFetch({ baseUrl: server.origin, auth: tokenAuth({ source }), retry: false });
        const response = await api('data');
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        expect(server.tokenRequests.length).toBe(requestsBefore + 1);
        const issued = server.tokenRequests.at(-1)!.token!;
        expect(server.apiCalls.get(issued)).toBe(1);
        expect(events).toContainEqual({ type: 'store:entry-rejected', store: 'redis', key, reason });
        // The source replaced the planted entry with its own, which reads back.
        expect(JSON.parse((await s.get(key))!)).toMatchObject({ accessToken: issued });
      }),
      { numRuns: 40 },
    );
    // Every API call carried a token the token endpoint issued, never a planted one.
    const issued = new Set(server.tokenRequests.map((request) => request.token));
    for (const token of server.apiCalls.keys()) expect(issued.has(token)).toBe(true);
  });
});
