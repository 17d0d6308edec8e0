import { mockPartnerApi, mswTransport } from '@attache/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersClient, getOrder, runNodeTransportExample } from './orders.ts';

const BASE = 'https://api.orders.test';
const api = mockPartnerApi({
  baseUrl: BASE,
  guards: { apiKey: { in: 'header', name: 'x-api-key', keys: 'ak_test_orders' } },
  routes: { 'GET /orders/:id': ({ params }) => ({ id: params.id, status: 'shipped' }) },
});
const server = setupServer(...api.handlers);
afterEach(() => {
  server.resetHandlers();
  api.reset();
});

describe('examples/node-transport', () => {
  it('runs against a loopback partner over nodeTransport', async () => {
    const lines: string[] = [];
    const orders = await runNodeTransportExample((line) => lines.push(line));
    expect(orders).toEqual([
      { id: 'o-1', status: 'shipped' },
      { id: 'o-2', status: 'shipped' },
      { id: 'o-3', status: 'shipped' },
    ]);
    expect(lines).toEqual(['fetched 3 orders over nodeTransport']);
  });

  describe('face 1: msw intercepts the default transport (the global fetch)', () => {
    const unhandled: string[] = [];
    beforeAll(() =>
      server.listen({
        onUnhandledFrame({ frame, defaults }) {
          const request = (frame.data as { request?: Request }).request;
          unhandled.push(request ? `${request.method} ${request.url}` : frame.protocol);
          defaults.error();
        },
      }),
    );
    afterAll(() => {
      server.close();
      expect(unhandled).toEqual([]);
    });

    it('every call reaches the mock partner', async () => {
      const orders = createOrdersClient(BASE, 'ak_test_orders');
      expect(await getOrder(orders, 'a-1')).toEqual({ id: 'a-1', status: 'shipped' });
      expect(api.calls.accepted).toBe(1);
    });
  });

  describe('face 2: the production transport switched in one line', () => {
    it('every call reaches the same handlers, without intercepting the network', async () => {
      const unhandled: string[] = [];
      const orders = createOrdersClient(
        BASE,
        'ak_test_orders',
        mswTransport(server, { onUnhandledRequest: (request) => unhandled.push(request) }),
      );
      const found = await Promise.all(['b-1', 'b-2'].map((id) => getOrder(orders, id)));
      expect(found).toEqual([
        { id: 'b-1', status: 'shipped' },
        { id: 'b-2', status: 'shipped' },
      ]);
      expect(api.calls.accepted).toBe(2);
      // A wrong key is refused by the mock's guard, as the partner would.
      const wrong = createOrdersClient(BASE, 'ak_wrong', mswTransport(server));
      expect((await wrong('orders/b-3')).status).toBe(401);
      expect(unhandled).toEqual([]);
    });
  });
});
