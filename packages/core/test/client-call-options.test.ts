import { describe, expect, it } from 'vitest';
import { createClient, type OutgoingRequest, TimeoutError } from '../src/index.ts';

const BASE = 'https://api.partner.example';

/** A client whose transport records what it was sent and answers 503 `failures` times, then 200. */
function recording(options: Parameters<typeof createClient>[0] = { baseUrl: BASE }, failures = 0) {
  const sent: OutgoingRequest[] = [];
  const client = createClient({
    retry: { retries: 3, baseDelay: 1, maxDelay: 1 },
    ...options,
    transport: async (outgoing: OutgoingRequest) => {
      sent.push(outgoing);
      return sent.length <= failures
        ? new Response(null, { status: 503 })
        : Response.json({ ok: true }, { status: 200 });
    },
  });
  return { client, sent };
}

describe('per-call options on the client face', () => {
  it('reach the pipeline from a frozen options object, which is left as it was', async () => {
    const { client, sent } = recording({ baseUrl: BASE }, 5);
    const options = Object.freeze({ retry: 1, idempotencyKey: 'k-1', headers: { 'x-trace': 't' } });
    const error = await client.post('orders', options).catch((e: unknown) => e);
    // One retry, as asked (three by default): two requests, both with the caller's key and header.
    expect(error).toMatchObject({ name: 'HttpError' });
    expect(sent).toHaveLength(2);
    for (const outgoing of sent) {
      expect(outgoing.headers.get('idempotency-key')).toBe('k-1');
      expect(outgoing.headers.get('x-trace')).toBe('t');
    }
    expect(options).toEqual({ retry: 1, idempotencyKey: 'k-1', headers: { 'x-trace': 't' } });
  });

  it('take the pipeline deadline, not ky’s', async () => {
    const client = createClient({
      baseUrl: BASE,
      transport: (outgoing: OutgoingRequest) =>
        new Promise((_resolve, reject) =>
          outgoing.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    });
    const started = performance.now();
    await expect(client.get('slow', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reach the pipeline through client.ky as well', async () => {
    const { client, sent } = recording({ baseUrl: BASE }, 5);
    await expect(client.ky.get('orders', { retry: 0, idempotencyKey: 'k-2' } as never)).rejects.toMatchObject(
      {
        name: 'HttpError',
      },
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.get('idempotency-key')).toBe('k-2');
  });

  it('with init hooks of the caller: the hooks see ky’s options, the pipeline gets the call options', async () => {
    const seen: unknown[] = [];
    const { client, sent } = recording(
      {
        baseUrl: BASE,
        ky: { hooks: { init: [(options) => seen.push((options as { retry?: unknown }).retry)] } },
      },
      5,
    );
    await expect(client.get('orders', { retry: 2 })).rejects.toMatchObject({ name: 'HttpError' });
    expect(sent).toHaveLength(3);
    // Ours runs first: ky's own retry is off by the time the caller's hook looks.
    expect(seen).toEqual([0]);
  });

  it('send relative and absolute URLs where ky’s baseUrl would', async () => {
    const { client, sent } = recording({ baseUrl: `${BASE}/v1` });
    await client.get('orders?x=1');
    await client.get('/root');
    await client.get(new URL(`${BASE}/abs`));
    await client.get(`${BASE}/abs2`);
    expect(sent.map((outgoing) => outgoing.url)).toEqual([
      `${BASE}/v1/orders?x=1`,
      `${BASE}/root`,
      `${BASE}/abs`,
      `${BASE}/abs2`,
    ]);
  });
});
