// Calls fetch itself would refuse, and retry options of the wrong type: each is refused before anything is
// sent, with fetch's own error or a ConfigError naming the field, and nothing is retried or counted against the
// client's retry budget.
import { ConfigError, createClient, createFetch } from '@attache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const BASE = 'https://api.partner.example';

function countingTransport() {
  let sent = 0;
  const transport = async () => {
    sent++;
    return new Response('{}');
  };
  return { transport, sent: () => sent };
}

describe('a GET or HEAD with a body', () => {
  const bodies = fc.oneof(
    fc.string({ minLength: 1 }),
    fc.uint8Array({ minLength: 1 }),
    fc.constant('stream'),
    fc.constant('params'),
  );

  it('is refused with fetch TypeError, sent never and retried never', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'HEAD'), bodies, async (method, kind) => {
        const { transport, sent } = countingTransport();
        const attache = createFetch({ baseUrl: BASE, transport, retry: 2 });
        const body: BodyInit =
          kind === 'stream'
            ? new ReadableStream({ start: (c) => c.close() })
            : kind === 'params'
              ? new URLSearchParams({ a: '1' })
              : (kind as string | Uint8Array<ArrayBuffer>);
        const error = await attache('orders', { method, body }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TypeError);
        // The same refusal fetch gives for it.
        expect(() => new Request(`${BASE}/orders`, { method, body, duplex: 'half' } as RequestInit)).toThrow(
          TypeError,
        );
        expect(sent()).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('on the client face too', async () => {
    const { transport, sent } = countingTransport();
    const client = createClient({ baseUrl: BASE, transport });
    // ky builds its Request while the call is made: the TypeError comes from there.
    await expect((async () => client.get('orders', { body: 'x' }).json())()).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(sent()).toBe(0);
  });
});

describe('retry statuses and methods of the wrong type', () => {
  const wrong: unknown[] = [503, '503', ['503'], [503, '429'], { 0: 503 }, null, [null]];
  const wrongMethods: unknown[] = ['GET', [5], ['GET', 1], { 0: 'GET' }, null, [undefined]];

  it('are a ConfigError naming the field, on createFetch and per call', async () => {
    const attache = createFetch({ baseUrl: BASE, transport: countingTransport().transport });
    for (const statuses of wrong) {
      const retry = { statuses } as never;
      expect(() => createFetch({ baseUrl: BASE, retry })).toThrow(
        new ConfigError('retry.statuses must be an array of numbers'),
      );
      await expect(attache('x', { retry })).rejects.toThrow(
        /^init\.retry\.statuses must be an array of numbers$/,
      );
    }
    for (const methods of wrongMethods) {
      const retry = { methods } as never;
      expect(() => createFetch({ baseUrl: BASE, retry })).toThrow(
        new ConfigError('retry.methods must be an array of strings'),
      );
      await expect(attache('x', { retry })).rejects.toBeInstanceOf(ConfigError);
    }
  });

  it('accepts the right types, including empty lists', () => {
    for (const retry of [
      { statuses: [] },
      { statuses: [429, 503] },
      { methods: [] },
      { methods: ['get', 'PUT'] },
    ]) {
      expect(() => createFetch({ baseUrl: BASE, retry })).not.toThrow();
    }
  });
});
