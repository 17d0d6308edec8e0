/**
 * A partner client for production on `nodeTransport` (undici's dispatcher: a keep-alive pool, no `fetch`),
 * and the two ways to test it with msw: intercept the default transport, or switch the transport to
 * `mswTransport(server)` in one line. `node-transport.test.ts` beside it shows both.
 *
 * Run it (against a loopback partner): `node --conditions=@attache/source examples/node-transport/orders.ts`
 */
import { apiKeyAuth } from '@attache/api-key';
import { type AttacheFetch, createFetch, secret, type Transport } from '@attache/core';
import { nodeTransport } from '@attache/mtls-node';
import { serve } from '../support/serve.ts';

export interface Order {
  readonly id: string;
  readonly status: string;
}

/**
 * The one place the client is built. Production passes `nodeTransport()`; a test passes `mswTransport(server)`
 * or nothing (the global `fetch`, which msw's `setupServer` intercepts).
 */
export function createOrdersClient(baseUrl: string, key: string, transport?: Transport): AttacheFetch {
  return createFetch({
    baseUrl,
    auth: apiKeyAuth({ key: secret(key), name: 'x-api-key' }),
    ...(transport === undefined ? {} : { transport }),
  });
}

export async function getOrder(orders: AttacheFetch, id: string): Promise<Order> {
  const response = await orders(`orders/${encodeURIComponent(id)}`);
  return (await response.json()) as Order;
}

/** Fetches a few orders over `nodeTransport` from a partner on loopback. */
export async function runNodeTransportExample(log: (line: string) => void = console.log): Promise<Order[]> {
  const partner = await serve((request) => {
    if (request.headers.get('x-api-key') !== 'ak_demo_nodetransport') {
      return Response.json({ error: 'invalid_api_key' }, { status: 401 });
    }
    const id = new URL(request.url).pathname.split('/').pop() ?? '';
    return Response.json({ id, status: 'shipped' });
  });
  const transport = nodeTransport({ connections: 8 });
  try {
    const orders = createOrdersClient(partner.origin, 'ak_demo_nodetransport', transport);
    const found = await Promise.all(['o-1', 'o-2', 'o-3'].map((id) => getOrder(orders, id)));
    log(`fetched ${found.length} orders over nodeTransport`);
    return found;
  } finally {
    await transport.close();
    await partner.close();
  }
}

if (import.meta.main) {
  await runNodeTransportExample();
}
