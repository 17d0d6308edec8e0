/**
 * `@attache/core` as the test files of the `node-transport` project see it (see vitest.config.ts): all of the
 * real core, except that `createFetch` and `createClient` send through a `nodeTransport()` of their own when
 * the caller gives no `transport`. The same suites then prove the pipeline's failure behaviour over undici's
 * dispatcher as they do over the global fetch. A caller's own transport is kept as it is.
 */
import {
  type AttacheClient,
  type AttacheFetch,
  type CreateClientOptions,
  type CreateFetchOptions,
  createClient as createClientOverFetch,
  createFetch as createFetchOverFetch,
} from '@attache/core';
import { type NodeTransport, nodeTransport } from '@attache/mtls-node';

export * from '@attache/core';

const open = new Set<NodeTransport>();

/** The options with a new `nodeTransport()` when they name no transport; anything else passes as given. */
function withNodeTransport<T extends CreateFetchOptions>(options: T): T {
  if (typeof options !== 'object' || options === null || options.transport !== undefined) return options;
  const transport = nodeTransport();
  open.add(transport);
  return { ...options, transport };
}

export function createFetch(options: CreateFetchOptions = {}): AttacheFetch {
  return createFetchOverFetch(withNodeTransport(options));
}

export function createClient(options: CreateClientOptions): AttacheClient {
  return createClientOverFetch(withNodeTransport(options));
}

/**
 * Closes every transport made since the last call and says how many there were (the test file's servers are
 * closed by then, so nothing is left in flight).
 */
export async function closeNodeTransports(): Promise<number> {
  const closing = [...open].map((transport) => transport.close());
  open.clear();
  await Promise.all(closing);
  return closing.length;
}
