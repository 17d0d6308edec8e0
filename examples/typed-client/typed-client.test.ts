import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Order, runTypedClientExample } from './typed-client.ts';

describe('examples/typed-client', () => {
  it('returns parsed, typed responses and typed errors', async () => {
    const lines: string[] = [];
    const result = await runTypedClientExample((line) => lines.push(line));
    expectTypeOf(result.order).toEqualTypeOf<Order>();
    expect(result).toEqual({
      order: { id: 'o-1', status: 'open', total: 42 },
      open: ['o-1'],
      created: { id: 'o-3', status: 'open', total: 19.99 },
      errors: ['RequestValidationError', 'ResponseValidationError', 'HttpError'],
      // The invalid input never reached the partner.
      partnerCalls: 5,
    });
    expect(lines).toEqual([
      "getOrder('o-1'): o-1 open 42.00",
      "listOrders({ status: 'open' }): o-1",
      'createOrder(19.99): o-3',
      'createOrder(-5): RequestValidationError at body.total',
      "getOrder('legacy-9'): ResponseValidationError at total",
      "getOrder('o-404'): HttpError 404",
    ]);
  });
});
