import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  type AttacheEvent,
  type AttacheEventListener,
  type Authenticator,
  createClient,
  createFetch,
} from '../src/index.ts';
import { createEventSource } from '../src/internal/index.ts';

const BASE_URL = 'https://api.partner.example';
const outage: AttacheEvent = { type: 'store:unavailable', store: 'redis', reason: 'disconnected' };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** An authenticator whose store has events, built on core's listener set, counting what is subscribed. */
function eventfulAuth() {
  const listeners = createEventSource<AttacheEvent>(undefined);
  const counts = { subscribed: 0, removed: 0 };
  const auth: Authenticator & { subscribe(listener: AttacheEventListener): () => void } = {
    name: 'eventful',
    attach: () => {},
    subscribe(listener) {
      counts.subscribed++;
      const remove = listeners.subscribe(listener);
      return () => {
        counts.removed++;
        remove();
      };
    },
  };
  return { auth, counts, emit: (event: AttacheEvent) => listeners.emit(event) };
}

describe('listeners of long-lived event sources', () => {
  it('are counted: a shared listener stays until every subscription that added it is removed', () => {
    const option: AttacheEvent[] = [];
    const shared: AttacheEvent[] = [];
    const source = createEventSource<AttacheEvent>((event) => option.push(event));
    const listener = (event: AttacheEvent) => shared.push(event);
    const first = source.subscribe(listener);
    const second = source.subscribe(listener);
    source.emit(outage);
    expect(shared).toHaveLength(1); // once per event, however often it was added
    first();
    first(); // a remover works once
    source.emit(outage);
    expect(shared).toHaveLength(2);
    second();
    source.emit(outage);
    expect(shared).toHaveLength(2);
    expect(option).toHaveLength(3); // the source's own option stays for good
  });

  it('are taken off once a client is collected, while a client still in use keeps its listener', async () => {
    const { auth, counts, emit } = eventfulAuth();
    const kept: AttacheEvent[] = [];
    const client = createClient({ baseUrl: BASE_URL, auth, onEvent: (event) => kept.push(event) });
    const heard: AttacheEvent[] = [];
    (() => {
      // Clients made for one request each, with a listener of their own, then dropped.
      for (let i = 0; i < 20; i++)
        createFetch({ baseUrl: BASE_URL, auth, onEvent: (event) => heard.push(event) });
      for (let i = 0; i < 10; i++)
        createClient({ baseUrl: BASE_URL, auth, onEvent: (event) => heard.push(event) });
    })();
    expect(counts).toEqual({ subscribed: 31, removed: 0 });
    for (let round = 0; round < 50 && counts.removed < 30; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(counts).toEqual({ subscribed: 31, removed: 30 });
    emit(outage);
    expect(heard).toEqual([]);
    expect(kept).toEqual([outage]);
    expect(typeof client.get).toBe('function'); // still in use here
  });
});
