import {
  ConfigError,
  createClient,
  defineEndpoint,
  RequestValidationError,
  ResponseValidationError,
} from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test/v1';
const server = useMswServer();

const Order = z.object({ id: z.string(), total: z.number(), currency: z.enum(['EUR', 'USD']) });
const getOrder = defineEndpoint({ method: 'GET', path: '/orders/:id', response: Order });
const createOrder = defineEndpoint({
  method: 'POST',
  path: '/orders',
  body: z.object({ total: z.number().positive(), currency: z.enum(['EUR', 'USD']) }),
  query: z.object({ dryRun: z.boolean().optional() }),
  response: Order,
});

describe('typed endpoints', () => {
  it('fills path params, sends query and JSON body, and parses the response', async () => {
    const seen: { url: string; body: unknown }[] = [];
    server.use(
      http.get(`${BASE}/orders/:id`, ({ params, request }) => {
        seen.push({ url: request.url, body: null });
        return HttpResponse.json({ id: params.id, total: 12.5, currency: 'EUR' });
      }),
      http.post(`${BASE}/orders`, async ({ request }) => {
        seen.push({ url: request.url, body: await request.json() });
        return HttpResponse.json({ id: 'o-1', total: 3, currency: 'USD' });
      }),
    );
    const client = createClient({ baseUrl: BASE });
    const order = await client.call(getOrder, { params: { id: 'a/b 1' } });
    expect(order).toEqual({ id: 'a/b 1', total: 12.5, currency: 'EUR' });
    expect(seen[0]?.url).toBe(`${BASE}/orders/a%2Fb%201`);
    const created = await client.call(createOrder, {
      body: { total: 3, currency: 'USD' },
      query: { dryRun: true },
    });
    expect(created.id).toBe('o-1');
    expect(seen[1]).toEqual({ url: `${BASE}/orders?dryRun=true`, body: { total: 3, currency: 'USD' } });
  });

  it('a response that does not match throws ResponseValidationError with the issues', async () => {
    server.use(
      http.get(`${BASE}/orders/:id`, () => HttpResponse.json({ id: 7, total: 'free', currency: 'EUR' })),
    );
    const client = createClient({ baseUrl: BASE });
    const error = await client.call(getOrder, { params: { id: '7' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    const issues = (error as ResponseValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual([['id'], ['total']]);
    expect((error as Error).message).toMatch(/id: .*; total: /);
  });

  it('a response that is not JSON throws ResponseValidationError', async () => {
    server.use(http.get(`${BASE}/orders/:id`, () => new HttpResponse('<html>oops</html>', { status: 200 })));
    const client = createClient({ baseUrl: BASE });
    await expect(client.call(getOrder, { params: { id: '1' } })).rejects.toBeInstanceOf(
      ResponseValidationError,
    );
  });

  it('invalid input throws RequestValidationError and sends nothing', async () => {
    const client = createClient({ baseUrl: BASE });
    const error = await client
      .call(createOrder, { body: { total: -1, currency: 'EUR' }, query: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues[0]?.path).toEqual(['body', 'total']);
    await expect(client.call(getOrder, { params: { id: '' } })).rejects.toBeInstanceOf(
      RequestValidationError,
    );
  });

  it('rejects bad definitions with ConfigError naming the field', () => {
    expect(() => defineEndpoint({ method: 'FETCH' as 'GET', path: '/x' })).toThrow(ConfigError);
    expect(() => defineEndpoint({ method: 'GET', path: 'https://evil.test/x' })).toThrow(/path/);
    expect(() => defineEndpoint({ method: 'GET', path: '/x', response: {} as never })).toThrow(/response/);
  });
});
