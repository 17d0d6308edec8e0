/**
 * A typed partner client: endpoints declared once with `defineEndpoint` and zod schemas, called with
 * `client.call`. Input is validated before anything is sent, responses are parsed and validated, and
 * failures are typed errors: `RequestValidationError`, `ResponseValidationError`, `HttpError`.
 *
 * Run it: `node --conditions=@attache/source examples/typed-client/typed-client.ts`
 */
import { apiKeyAuth } from '@attache/api-key';
import {
  type AttacheClient,
  createClient,
  defineEndpoint,
  HttpError,
  RequestValidationError,
  ResponseValidationError,
  secret,
} from '@attache/core';
import { z } from 'zod';
import { serve } from '../support/serve.ts';

const Order = z.object({
  id: z.string(),
  status: z.enum(['open', 'shipped']),
  total: z.number(),
});
export type Order = z.infer<typeof Order>;

/** The partner's API, declared once. */
export const partnerApi = {
  getOrder: defineEndpoint({
    method: 'GET',
    path: '/orders/:id',
    params: z.object({ id: z.string() }),
    response: Order,
  }),
  listOrders: defineEndpoint({
    method: 'GET',
    path: '/orders',
    query: z.object({
      status: z.enum(['open', 'shipped']).optional(),
      limit: z.number().int().max(100).optional(),
    }),
    response: z.object({ orders: z.array(Order) }),
  }),
  createOrder: defineEndpoint({
    method: 'POST',
    path: '/orders',
    body: z.object({ total: z.number().positive() }),
    response: Order,
  }),
};

/** A typed client for the partner: each method is one endpoint. */
export function createPartnerClient(client: AttacheClient) {
  return {
    getOrder: (id: string): Promise<Order> => client.call(partnerApi.getOrder, { params: { id } }),
    listOrders: (query: { status?: 'open' | 'shipped'; limit?: number } = {}): Promise<{ orders: Order[] }> =>
      client.call(partnerApi.listOrders, { query }),
    createOrder: (total: number): Promise<Order> =>
      client.call(partnerApi.createOrder, { body: { total } }, { idempotencyKey: 'auto' }),
  };
}

export interface TypedClientExampleResult {
  readonly order: Order;
  readonly open: readonly string[];
  readonly created: Order;
  /** The error classes of the three failures, and how many requests reached the partner in all. */
  readonly errors: readonly string[];
  readonly partnerCalls: number;
}

export async function runTypedClientExample(
  log: (line: string) => void = console.log,
): Promise<TypedClientExampleResult> {
  const orders: Order[] = [
    { id: 'o-1', status: 'open', total: 42 },
    { id: 'o-2', status: 'shipped', total: 7.5 },
  ];
  let partnerCalls = 0;
  const partner = await serve(async (request) => {
    partnerCalls++;
    if (request.headers.get('x-api-key') !== 'pk_typed_51c0') return Response.json({}, { status: 401 });
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/v1/orders') {
      const status = url.searchParams.get('status');
      return Response.json({ orders: orders.filter((o) => status === null || o.status === status) });
    }
    if (request.method === 'POST' && url.pathname === '/v1/orders') {
      const { total } = (await request.json()) as { total: number };
      const order: Order = { id: `o-${orders.length + 1}`, status: 'open', total };
      orders.push(order);
      return Response.json(order, { status: 201 });
    }
    // An old record the partner stores with a numeric string total: the schema catches it.
    if (url.pathname === '/v1/orders/legacy-9')
      return Response.json({ id: 'legacy-9', status: 'open', total: '12.00' });
    const order = orders.find((o) => url.pathname === `/v1/orders/${o.id}`);
    return order === undefined
      ? Response.json({ error: 'not_found' }, { status: 404 })
      : Response.json(order);
  });
  try {
    const api = createPartnerClient(
      createClient({ baseUrl: `${partner.origin}/v1`, auth: apiKeyAuth({ key: secret('pk_typed_51c0') }) }),
    );
    const order = await api.getOrder('o-1');
    log(`getOrder('o-1'): ${order.id} ${order.status} ${order.total.toFixed(2)}`);
    const { orders: open } = await api.listOrders({ status: 'open' });
    log(`listOrders({ status: 'open' }): ${open.map((o) => o.id).join(', ')}`);
    const created = await api.createOrder(19.99);
    log(`createOrder(19.99): ${created.id}`);

    const errors: string[] = [];
    const failures: [string, () => Promise<unknown>][] = [
      ['createOrder(-5)', () => api.createOrder(-5)],
      ["getOrder('legacy-9')", () => api.getOrder('legacy-9')],
      ["getOrder('o-404')", () => api.getOrder('o-404')],
    ];
    for (const [label, call] of failures) {
      try {
        await call();
      } catch (error) {
        if (error instanceof RequestValidationError || error instanceof ResponseValidationError) {
          const paths = error.issues.map((issue) => issue.path?.join('.')).join(', ');
          log(`${label}: ${error.name} at ${paths}`);
        } else if (error instanceof HttpError) {
          log(`${label}: ${error.name} ${error.status}`);
        } else throw error;
        errors.push(error.name);
      }
    }
    return { order, open: open.map((o) => o.id), created, errors, partnerCalls };
  } finally {
    await partner.close();
  }
}

if (import.meta.main) {
  await runTypedClientExample();
}
