import {
  type AttacheEvent,
  type Authenticator,
  createFetch,
  createMemoryTokenStore,
  type TokenStore,
} from '@attache/core';
import { createEventSource, type EventSourceListeners } from '@attache/core/internal';
import { describe, expect, it } from 'vitest';
import { clientCredentialsAuth, jwtBearerAuth, refreshTokenAuth, tokenExchangeAuth } from '../src/index.ts';

const TOKEN = 'https://auth.partner.example/token';
const BASE_URL = 'https://api.partner.example';

/** A store with events of its own, as the Redis store has (core's listener set: each listener once per event). */
function eventfulStore(): TokenStore & EventSourceListeners<AttacheEvent> {
  return { ...createMemoryTokenStore(), ...createEventSource<AttacheEvent>(undefined) };
}

const authenticators: [string, (store: TokenStore) => Authenticator][] = [
  [
    'clientCredentialsAuth',
    (store) =>
      clientCredentialsAuth({
        tokenEndpoint: TOKEN,
        clientId: 'billing',
        clientSecret: 's3cret',
        tokenSource: { store, key: `cc:${crypto.randomUUID()}` },
      }),
  ],
  [
    'clientCredentialsAuth with DPoP',
    (store) =>
      clientCredentialsAuth({
        tokenEndpoint: TOKEN,
        clientId: 'billing',
        clientSecret: 's3cret',
        dpop: true,
        tokenSource: { store, key: `cc-dpop:${crypto.randomUUID()}` },
      }),
  ],
  [
    'jwtBearerAuth',
    (store) =>
      jwtBearerAuth({
        tokenEndpoint: TOKEN,
        clientId: 'ci-runner',
        clientSecret: 's3cret',
        assertion: 'platform-jwt',
        tokenSource: { store, key: `jwt-bearer:${crypto.randomUUID()}` },
      }),
  ],
  [
    'tokenExchangeAuth',
    (store) =>
      tokenExchangeAuth({
        tokenEndpoint: TOKEN,
        clientId: 'orders',
        clientSecret: 's3cret',
        subjectToken: 'subject-jwt',
        tokenSource: { store, key: `exchange:${crypto.randomUUID()}` },
      }),
  ],
  [
    'refreshTokenAuth',
    (store) =>
      refreshTokenAuth({ tokenEndpoint: TOKEN, clientId: 'platform', clientSecret: 's3cret', store }),
  ],
];

const outage: AttacheEvent = { type: 'store:unavailable', store: 'redis', reason: 'disconnected' };

describe.each(authenticators)('%s with a store that has events', (_name, build) => {
  it('passes the store’s events to the onEvent of every client it is given to, once per listener', () => {
    const store = eventfulStore();
    const auth = build(store);
    const heard: AttacheEvent[] = [];
    const onEvent = (event: AttacheEvent): void => {
      heard.push(event);
    };
    createFetch({ baseUrl: BASE_URL, auth, onEvent });
    createFetch({ baseUrl: BASE_URL, auth, onEvent });
    const other: AttacheEvent[] = [];
    createFetch({ baseUrl: BASE_URL, auth, onEvent: (event) => other.push(event) });

    store.emit(outage);
    expect(heard).toEqual([outage]);
    expect(other).toEqual([outage]);
  });

  it('is no event source over a store without events', () => {
    expect('subscribe' in build(createMemoryTokenStore())).toBe(false);
  });
});
