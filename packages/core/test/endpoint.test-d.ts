import {
  type AttacheFetch,
  createClient,
  createFetch,
  defineEndpoint,
  type EndpointInput,
  type EndpointOutput,
} from '@attache/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const getOrder = defineEndpoint({
  method: 'GET',
  path: '/orders/:orderId/items/:itemId',
  response: z.object({ id: z.string(), quantity: z.number().int() }),
});
const createOrder = defineEndpoint({
  method: 'POST',
  path: '/orders',
  body: z.object({ total: z.number(), note: z.string().optional() }),
  response: z.object({ id: z.string() }).transform((o) => ({ ...o, created: true as const })),
});
const ping = defineEndpoint({ method: 'HEAD', path: '/ping' });

describe('typed endpoint inference', () => {
  it('infers path params from the path', () => {
    expectTypeOf<EndpointInput<typeof getOrder>['params']>().toEqualTypeOf<{
      readonly orderId: string | number;
      readonly itemId: string | number;
    }>();
  });

  it('infers the body input and the transformed output', () => {
    expectTypeOf<EndpointInput<typeof createOrder>['body']>().toEqualTypeOf<{
      total: number;
      note?: string | undefined;
    }>();
    expectTypeOf<EndpointOutput<typeof createOrder>>().toEqualTypeOf<{ id: string; created: true }>();
    expectTypeOf<EndpointOutput<typeof ping>>().toEqualTypeOf<undefined>();
  });

  it('client.call returns the parsed type and checks the input', () => {
    const client = createClient({ baseUrl: 'https://api.test' });
    expectTypeOf(client.call(getOrder, { params: { orderId: 1, itemId: 'x' } })).resolves.toEqualTypeOf<{
      id: string;
      quantity: number;
    }>();
    // @ts-expect-error: itemId is missing
    void client.call(getOrder, { params: { orderId: 1 } });
    // @ts-expect-error: total must be a number
    void client.call(createOrder, { body: { total: '3' } });
  });

  it('createFetch has the exact signature of fetch', () => {
    expectTypeOf(createFetch()).toExtend<typeof fetch>();
    expectTypeOf<AttacheFetch>().toExtend<typeof globalThis.fetch>();
  });
});
