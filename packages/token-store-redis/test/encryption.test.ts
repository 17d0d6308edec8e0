import { createTokenSource, secret } from '@attache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
import { entry } from './support/entries.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';

let redis: LocalRedis;
const stores: RedisTokenStore[] = [];
const KEY = crypto.getRandomValues(new Uint8Array(32));
const OTHER_KEY = crypto.getRandomValues(new Uint8Array(32));
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyb2JvdC03In0.c2lnbmF0dXJlLXZhbHVl';

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await redis.admin.flushall();
});
afterAll(async () => {
  await redis?.close();
});

function store(
  encryption: Parameters<typeof createRedisTokenStore>[0]['encryption'],
  events?: RedisTokenStoreEvent[],
): RedisTokenStore {
  const created = createRedisTokenStore({
    url: redis.url,
    ...(encryption === undefined ? {} : { encryption }),
    ...(events === undefined ? {} : { onEvent: (event: RedisTokenStoreEvent) => events.push(event) }),
  });
  stores.push(created);
  return created;
}

/** Every encoding of the token an observer of Redis could search for. */
function encodings(token: string): string[] {
  const bytes = new TextEncoder().encode(token);
  const base64 = btoa(String.fromCharCode(...bytes));
  return [
    token,
    base64,
    base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''),
    ...token.split('.').filter((part) => part.length >= 8),
  ];
}

describe('with encryption on', () => {
  it('the value in Redis does not contain the token, and the token source still reads it back', async () => {
    const s = store({ key: KEY });
    let fetches = 0;
    const source = createTokenSource(
      async () => {
        fetches++;
        return { accessToken: secret(TOKEN), expiresIn: 3600 };
      },
      { key: 'partner:robot-7', store: s },
    );
    await source.get();
    const raw = await redis.admin.get('attache:token:partner:robot-7');
    expect(raw).toMatch(/^aes-gcm\.1\.[A-Za-z0-9_-]+$/);
    for (const form of encodings(TOKEN)) expect(raw).not.toContain(form);
    expect(raw).not.toContain('accessToken');

    // Another process (its own registry) with the same key adopts it from Redis without fetching.
    const { createTokenSource: otherProcess } = await importFreshCore();
    const sources: string[] = [];
    const other = otherProcess(
      async () => {
        fetches++;
        return { accessToken: 'never', expiresIn: 3600 };
      },
      {
        key: 'partner:robot-7',
        store: store({ key: KEY }),
        onEvent: (event) => {
          if (event.type === 'token:acquired') sources.push(event.source);
        },
      },
    );
    expect((await other.get()).value.reveal()).toBe(TOKEN);
    expect(fetches).toBe(1);
    expect(sources).toEqual(['store']);
  });

  it('uses a fresh IV for every value: the same entry written twice gives different ciphertexts', async () => {
    const s = store({ key: KEY });
    const seen = new Set<string>();
    const ivs = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await s.set('k', entry('same entry'), 60_000);
      const raw = (await redis.admin.get('attache:token:k'))!;
      seen.add(raw);
      ivs.add(raw.slice('aes-gcm.1.'.length, 'aes-gcm.1.'.length + 16));
      expect(await s.get('k')).toBe(entry('same entry'));
    }
    expect(seen.size).toBe(20);
    expect(ivs.size).toBe(20);
  });

  it('an entry encrypted with another key reads as absent, with one event', async () => {
    const events: RedisTokenStoreEvent[] = [];
    await store({ key: OTHER_KEY }).set('k', entry('entry'), 60_000);
    const s = store({ key: KEY }, events);
    expect(await s.get('k')).toBeNull();
    expect(await s.get('k')).toBeNull();
    expect(events).toEqual([
      { type: 'store:entry-rejected', store: 'redis', key: 'k', reason: 'undecryptable' },
    ]);
  });

  it('a tampered entry, a plaintext entry and garbage read as absent', async () => {
    const s = store({ key: KEY });
    await s.set('k', entry('entry'), 60_000);
    const raw = (await redis.admin.get('attache:token:k'))!;
    const last = raw.at(-1) === 'A' ? 'B' : 'A';
    await redis.admin.set('attache:token:k', raw.slice(0, -1) + last);
    expect(await s.get('k')).toBeNull();
    // Planted without encryption by someone who can write to Redis but has no key.
    await redis.admin.set('attache:token:k', JSON.stringify({ version: 1, accessToken: 'planted' }));
    expect(await s.get('k')).toBeNull();
    for (const garbage of ['aes-gcm.1.', 'aes-gcm.1.!!!', 'aes-gcm.1.AAAA', 'aes-gcm.1.A']) {
      await redis.admin.set('attache:token:k', garbage);
      expect(await s.get('k')).toBeNull();
    }
  });

  it('an entry moved to another cache key does not decrypt (bound to its key)', async () => {
    const s = store({ key: KEY });
    await s.set('low-scope', entry('entry'), 60_000);
    await redis.admin.copy('attache:token:low-scope', 'attache:token:admin-scope');
    expect(await s.get('admin-scope')).toBeNull();
    expect(await s.get('low-scope')).toBe(entry('entry'));
  });

  it('previousKeys keep entries written before a key rotation readable; new writes use the new key', async () => {
    await store({ key: OTHER_KEY }).set('k', entry('before rotation'), 60_000);
    const rotated = store({ key: KEY, previousKeys: [OTHER_KEY] });
    expect(await rotated.get('k')).toBe(entry('before rotation'));
    await rotated.set('k', entry('after rotation'), 60_000);
    expect(await store({ key: KEY }).get('k')).toBe(entry('after rotation'));
    expect(await store({ key: OTHER_KEY }).get('k')).toBeNull();
  });

  it('compare-and-delete compares the decrypted entry', async () => {
    const a = store({ key: KEY });
    await a.set('k', entry('old'), 60_000);
    expect(await a.delete('k', entry('other'))).toBe(false);
    expect(await a.get('k')).toBe(entry('old'));
    expect(await a.delete('k', entry('old'))).toBe(true);
    expect(await redis.admin.exists('attache:token:k')).toBe(0);
    expect(await a.delete('k', entry('old'))).toBe(false);
  });

  it('accepts a WebCrypto CryptoKey and a 16-byte key', async () => {
    const cryptoKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const a = store({ key: cryptoKey });
    await a.set('k', entry('with a CryptoKey'), 60_000);
    expect(await a.get('k')).toBe(entry('with a CryptoKey'));
    const b = store({ key: new Uint8Array(16).fill(7) });
    await b.set('j', entry('AES-128'), 60_000);
    expect(await b.get('j')).toBe(entry('AES-128'));
  });

  it('does not keep using the caller’s key bytes: wiping them afterwards changes nothing', async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const copy = new Uint8Array(bytes);
    const s = store({ key: bytes });
    bytes.fill(0);
    await s.set('k', entry('entry'), 60_000);
    expect(await store({ key: copy }).get('k')).toBe(entry('entry'));
  });
});

describe('invalid encryption options', () => {
  it.each([
    [{ key: new Uint8Array(24) }, /encryption\.key must be 16 or 32 bytes long/],
    [{ key: new Uint8Array(0) }, /encryption\.key must be 16 or 32 bytes long/],
    [{ key: 'a passphrase' }, /encryption\.key must be 16 or 32 raw bytes/],
    [{ key: KEY, previousKeys: [new Uint8Array(8)] }, /encryption\.previousKeys\[0\] must be 16 or 32 bytes/],
    [{ key: KEY, previousKeys: KEY }, /encryption\.previousKeys must be an array/],
    ['yes', /encryption must be an object/],
  ])('%# throws a ConfigError naming the field', (encryption, message) => {
    expect(() =>
      createRedisTokenStore({ url: 'redis://127.0.0.1:1', encryption: encryption as never }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG', message: expect.stringMatching(message) }));
  });

  it('refuses a CryptoKey that is not AES-GCM or cannot encrypt', async () => {
    const cbc = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const decryptOnly = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['decrypt']);
    expect(() => createRedisTokenStore({ url: redis.url, encryption: { key: cbc } })).toThrowError(
      /encryption\.key must be an AES-GCM secret key/,
    );
    expect(() => createRedisTokenStore({ url: redis.url, encryption: { key: decryptOnly } })).toThrowError(
      /encryption\.key must allow the "encrypt" usage/,
    );
    // A previous key only needs to decrypt.
    const ok = createRedisTokenStore({
      url: redis.url,
      encryption: { key: KEY, previousKeys: [decryptOnly] },
    });
    stores.push(ok);
  });
});

async function importFreshCore(): Promise<typeof import('@attache/core')> {
  const { vi } = await import('vitest');
  vi.resetModules();
  return import('@attache/core');
}
