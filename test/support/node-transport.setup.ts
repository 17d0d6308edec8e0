// Setup file of the `node-transport` project: the transports its `createFetch`/`createClient` made for a test
// file are closed after that file. Registered before the file's own hooks, so it runs after them.
import { afterAll, expect } from 'vitest';
import { closeNodeTransports } from './core-over-node-transport.ts';

afterAll(async () => {
  // A file that made no client over nodeTransport here (its `@attache/core` not redirected, or every client
  // bringing its own transport) would pass without proving anything about it.
  expect(await closeNodeTransports(), 'clients made over nodeTransport').toBeGreaterThan(0);
});
