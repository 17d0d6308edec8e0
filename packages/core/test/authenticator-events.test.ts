import { describe, expect, it } from 'vitest';
import {
  type AttacheEvent,
  type AttacheEventListener,
  type Authenticator,
  createFetch,
  createMemoryTokenStore,
  createTokenSource,
  type TokenStore,
  tokenAuth,
} from '../src/index.ts';
import { createEventSource, type EventSourceListeners } from '../src/internal/index.ts';

const BASE_URL = 'https://api.partner.example';
const outage: AttacheEvent = { type: 'store:unavailable', store: 'redis', reason: 'disconnected' };

/** A store with events of its own, as the Redis store has (core's listener set: each listener once per event). */
function eventfulStore(): TokenStore & EventSourceListeners<AttacheEvent> {
  return { ...createMemoryTokenStore(), ...createEventSource<AttacheEvent>(undefined) };
}

function sourceOver(store: TokenStore) {
  return createTokenSource(async () => ({ accessToken: 'token', expiresIn: 3600 }), {
    key: `events:${crypto.randomUUID()}`,
    store,
  });
}

describe('authenticators with events of their own join the client’s one event stream', () => {
  it('tokenAuth over a store with events: each client’s listener hears them once, shared or not', () => {
    const store = eventfulStore();
    const auth = tokenAuth({ source: sourceOver(store) });
    const shared: AttacheEvent[] = [];
    const onEvent = (event: AttacheEvent): void => {
      shared.push(event);
    };
    const other: AttacheEvent[] = [];
    createFetch({ baseUrl: BASE_URL, auth, onEvent });
    createFetch({ baseUrl: BASE_URL, auth: [auth], onEvent });
    // A second authenticator over the same source hands over the same listener: still once.
    createFetch({ baseUrl: BASE_URL, auth: tokenAuth({ source: sourceOver(store) }), onEvent });
    createFetch({ baseUrl: BASE_URL, auth, onEvent: (event) => other.push(event) });

    store.emit(outage);
    expect(shared).toEqual([outage]);
    expect(other).toEqual([outage]);
  });

  it('a token source and tokenAuth over a store without events are no event sources', () => {
    const source = sourceOver(createMemoryTokenStore());
    expect('subscribe' in source).toBe(false);
    expect('subscribe' in tokenAuth({ source })).toBe(false);
    expect('subscribe' in tokenAuth({ source: createTokenSource(async () => ({ accessToken: 't' })) })).toBe(
      false,
    );
  });

  it('a client without onEvent subscribes to no authenticator; one with it hands over its own listener', () => {
    const subscribed: unknown[] = [];
    const auth: Authenticator & { subscribe(listener: AttacheEventListener): () => void } = {
      name: 'custom',
      attach: () => undefined,
      subscribe(listener) {
        subscribed.push(listener);
        return () => undefined;
      },
    };
    createFetch({ baseUrl: BASE_URL, auth });
    expect(subscribed).toEqual([]);
    const onEvent = (): void => undefined;
    createFetch({ baseUrl: BASE_URL, auth, onEvent });
    expect(subscribed).toEqual([onEvent]);
  });
});
