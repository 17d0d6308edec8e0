import {
  type AttacheEvent,
  createClient,
  createFetch,
  createTokenSource,
  type Transport,
  tokenAuth,
} from '@attache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisTokenStore, type RedisTokenStore, type RedisTokenStoreEvent } from '../src/index.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';

let redis: LocalRedis;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await redis?.close();
});

const BASE_URL = 'https://partner.example';

/** The partner, answering every call with 200 (the calls are not what these tests look at). */
const partner: Transport = async () => Response.json({ ok: true });

function store(options: Partial<Parameters<typeof createRedisTokenStore>[0]> = {}): RedisTokenStore {
  const created = createRedisTokenStore({
    url: redis.url,
    redisOptions: { retryStrategy: () => 50 },
    ...options,
  });
  cleanup.push(() => created.close());
  return created;
}

/** A token authenticator whose source keeps its tokens in `redisStore`. */
function authOver(redisStore: RedisTokenStore) {
  let issued = 0;
  const source = createTokenSource(async () => ({ accessToken: `token-${++issued}`, expiresIn: 3600 }), {
    key: `client-events:${crypto.randomUUID()}`,
    store: redisStore,
  });
  return tokenAuth({ source });
}

function storeEvents(events: readonly AttacheEvent[]): AttacheEvent[] {
  return events.filter((event) => event.type.startsWith('store:'));
}

function waitForEvent(events: readonly AttacheEvent[], type: RedisTokenStoreEvent['type']): Promise<void> {
  return vi.waitFor(() => expect(events.map((event) => event.type)).toContain(type), {
    timeout: 10_000,
    interval: 20,
  });
}

describe('Redis store events join the client’s one event stream', () => {
  it('Redis stopped and started again: two clients sharing a listener hear each event once', async () => {
    const own: RedisTokenStoreEvent[] = [];
    const redisStore = store({ onEvent: (event) => own.push(event) });
    const auth = authOver(redisStore);
    const events: AttacheEvent[] = [];
    const onEvent = (event: AttacheEvent): void => {
      events.push(event);
    };
    const partnerFetch = createFetch({ baseUrl: BASE_URL, auth, transport: partner, onEvent });
    const partnerClient = createClient({ baseUrl: BASE_URL, auth, transport: partner, onEvent });
    expect((await partnerFetch('orders')).status).toBe(200);
    await partnerClient.get('orders');

    await redis.stop({ crash: true });
    await waitForEvent(events, 'store:unavailable');
    await redis.restart();
    await waitForEvent(events, 'store:available');

    expect(storeEvents(events)).toEqual([
      expect.objectContaining({ type: 'store:unavailable', store: 'redis', reason: 'disconnected' }),
      expect.objectContaining({ type: 'store:available', store: 'redis' }),
    ]);
    // They belong to no call; the calls' own events still carry theirs.
    expect(storeEvents(events).every((event) => event.callId === undefined)).toBe(true);
    expect(events.filter((e) => e.type === 'request:end').every((e) => e.callId !== undefined)).toBe(true);
    // The store's own listener still gets them all.
    expect(own).toEqual(storeEvents(events));
  });

  it('Redis down from the start: calls go on with a token fetched locally, the listener hears one store:unavailable', async () => {
    const events: AttacheEvent[] = [];
    const onEvent = (event: AttacheEvent): void => {
      events.push(event);
    };
    const redisStore = store({ url: 'redis://127.0.0.1:1', operationTimeout: 300 });
    const auth = authOver(redisStore);
    const first = createFetch({ baseUrl: BASE_URL, auth, transport: partner, onEvent });
    const second = createFetch({ baseUrl: BASE_URL, auth, transport: partner, onEvent });
    const answers = await Promise.all([first('orders'), second('orders'), first('invoices')]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);

    expect(storeEvents(events)).toEqual([
      { type: 'store:unavailable', store: 'redis', reason: 'disconnected', code: 'ECONNREFUSED' },
    ]);
    // The token source fell back to fetching: its events say where the token came from.
    expect(events).toContainEqual(expect.objectContaining({ type: 'token:acquired', source: 'network' }));
  });

  it('the client’s listener also given as the store’s onEvent hears each event once', async () => {
    const events: AttacheEvent[] = [];
    const onEvent = (event: AttacheEvent): void => {
      events.push(event);
    };
    const redisStore = store({ url: 'redis://127.0.0.1:1', operationTimeout: 300, onEvent });
    const partnerFetch = createFetch({
      baseUrl: BASE_URL,
      auth: authOver(redisStore),
      transport: partner,
      onEvent,
    });
    expect((await partnerFetch('orders')).status).toBe(200);
    expect(storeEvents(events)).toEqual([
      { type: 'store:unavailable', store: 'redis', reason: 'disconnected', code: 'ECONNREFUSED' },
    ]);
  });

  it('a client without onEvent subscribes nothing; one with it subscribes its own listener', async () => {
    const redisStore = store();
    const subscribed: unknown[] = [];
    const original = redisStore.subscribe.bind(redisStore);
    redisStore.subscribe = (listener) => {
      subscribed.push(listener);
      return original(listener);
    };
    const auth = authOver(redisStore);
    createFetch({ baseUrl: BASE_URL, auth, transport: partner });
    expect(subscribed).toEqual([]);
    const onEvent = (): void => undefined;
    createFetch({ baseUrl: BASE_URL, auth, transport: partner, onEvent });
    expect(subscribed).toEqual([onEvent]);
  });
});

describe('subscribe', () => {
  it('calls a listener added twice once per event; the remover of the first addition removes it', async () => {
    const redisStore = store({ url: 'redis://127.0.0.1:1', operationTimeout: 200 });
    const heard: string[] = [];
    const listener = (event: AttacheEvent): void => {
      heard.push(event.type);
    };
    const remove = redisStore.subscribe(listener);
    const noop = redisStore.subscribe(listener);
    noop();
    await expect(redisStore.get('k')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(heard).toEqual(['store:unavailable']);
    remove();
    expect(redisStore.subscribe(listener)).toBeTypeOf('function');
  });

  it('a listener that throws breaks neither the store nor the other listeners', async () => {
    const heard: string[] = [];
    const redisStore = store({ url: 'redis://127.0.0.1:1', operationTimeout: 200 });
    redisStore.subscribe(() => {
      throw new Error('faulty listener');
    });
    redisStore.subscribe((event) => heard.push(event.type));
    await expect(redisStore.get('k')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(heard).toEqual(['store:unavailable']);
  });
});
