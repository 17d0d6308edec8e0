import { apiKeyAuth } from '@attache/api-key';
import { ConfigError, createFetch, secret } from '@attache/core';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { mockPartnerApi, mswTransport } from '../src/index.ts';

const api = mockPartnerApi({
  baseUrl: 'https://api.msw-transport.test',
  guards: { apiKey: { in: 'header', name: 'x-api-key', keys: 'ak_test_transport' } },
  routes: {
    'GET /orders/:id': ({ params }) => ({ id: params.id, status: 'shipped' }),
    'POST /echo': async ({ request }) =>
      new Response(await request.arrayBuffer(), { headers: { 'content-type': 'application/octet-stream' } }),
  },
});
// Never listening: the transport reads its handlers; nothing intercepts the network.
const server = setupServer(...api.handlers);

afterEach(() => {
  server.resetHandlers();
  api.reset();
});

function partner(onUnhandledRequest?: (request: string) => void) {
  return createFetch({
    baseUrl: 'https://api.msw-transport.test',
    auth: apiKeyAuth({ key: secret('ak_test_transport'), name: 'x-api-key' }),
    transport: mswTransport(server, onUnhandledRequest ? { onUnhandledRequest } : {}),
    retry: false,
  });
}

describe('mswTransport', () => {
  it('answers every call from the server’s handlers, with the credentials the pipeline attached', async () => {
    const fetch = partner();
    const ids = Array.from({ length: 12 }, (_, i) => `o-${i}`);
    const orders = await Promise.all(ids.map((id) => fetch(`orders/${id}`).then((r) => r.json())));
    expect(orders).toEqual(ids.map((id) => ({ id, status: 'shipped' })));
    expect(api.calls.total).toBe(12);
    expect(api.calls.accepted).toBe(12);
  });

  it('sends body bytes exactly (property)', async () => {
    const fetch = partner();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const response = await fetch('echo', { method: 'POST', body: new Uint8Array(bytes) });
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(bytes));
      }),
      { numRuns: 40 },
    );
  });

  it('sees server.use() overrides made after it was created', async () => {
    const fetch = partner();
    server.use(
      http.get('https://api.msw-transport.test/orders/:id', () => HttpResponse.json({ over: true })),
    );
    expect(await (await fetch('orders/7')).json()).toEqual({ over: true });
  });

  it('rejects a request no handler answers, reports it, and never names the query', async () => {
    const unhandled: string[] = [];
    const fetch = partner((request) => unhandled.push(request));
    const error = await fetch('https://api.msw-transport.test/missing?token=sk_live_x').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'No msw handler answered GET https://api.msw-transport.test/missing',
    );
    expect(unhandled).toEqual(['GET https://api.msw-transport.test/missing']);
  });

  it('takes a plain list of handlers too', async () => {
    const transport = mswTransport([http.get('https://list.test/ping', () => HttpResponse.text('pong'))]);
    const fetch = createFetch({ baseUrl: 'https://list.test', transport });
    expect(await (await fetch('ping')).text()).toBe('pong');
  });

  it.each([null, 42, 'handlers', {}])('refuses %o with a ConfigError', (value) => {
    expect(() => mswTransport(value as never)).toThrow(ConfigError);
  });
});
