import { bearerAuth, createFetch, OriginNotAllowedError } from '@attache/core';
import ky, { type Options as KyOptions } from 'ky';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const TOKEN = 'interop-token';
const server = useMswServer();

/** GET /v1/orders answers the given statuses in turn (the last one repeats), recording each request. */
function ordersEndpoint(statuses: readonly number[]): { seen: Request[] } {
  const seen: Request[] = [];
  server.use(
    http.all(`${BASE}/v1/orders`, ({ request }) => {
      seen.push(request.clone());
      const status = statuses[Math.min(seen.length - 1, statuses.length - 1)] ?? 200;
      return status === 200
        ? HttpResponse.json([{ id: 'o-1' }])
        : new HttpResponse(null, { status, headers: { 'content-type': 'text/plain' } });
    }),
  );
  return { seen };
}

function partnerFetch(): typeof fetch {
  // Assignable to `typeof fetch`: that is what lets it be handed to any library that takes a fetch.
  const attacheFetch: typeof fetch = createFetch({
    baseUrl: BASE,
    auth: bearerAuth({ token: TOKEN }),
    random: () => 0,
  });
  return attacheFetch;
}

describe('createFetch handed to plain ky', () => {
  it('attaches the credentials and retries a 503 once inside the pipeline (ky retry off)', async () => {
    const { seen } = ordersEndpoint([503, 200]);
    const api = ky.create({ baseUrl: `${BASE}/v1/`, fetch: partnerFetch(), retry: 0, timeout: false });
    expect(await api.get('orders').json()).toEqual([{ id: 'o-1' }]);
    expect(seen.map((r) => r.headers.get('authorization'))).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('forwards the pipeline’s per-call options, which ky does not know, to the pipeline', async () => {
    const { seen } = ordersEndpoint([503, 200]);
    const api = ky.create({ baseUrl: `${BASE}/v1/`, fetch: partnerFetch(), retry: 0, timeout: false });
    // ky's types do not list `idempotencyKey`; ky passes unknown options on to fetch.
    const options = { json: { total: 12 }, idempotencyKey: 'auto' } as KyOptions;
    expect((await api.post('orders', options)).status).toBe(200);
    expect(seen).toHaveLength(2);
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await Promise.all(seen.map((r) => r.text()))).toEqual(['{"total":12}', '{"total":12}']);
  });

  it('with ky’s own retry left on, the two layers multiply attempts', async () => {
    const { seen } = ordersEndpoint([503]);
    const api = ky.create({
      baseUrl: `${BASE}/v1/`,
      fetch: partnerFetch(),
      retry: { limit: 1, delay: () => 0 },
      timeout: false,
    });
    const error = await api.get('orders').catch((e: unknown) => e);
    expect((error as { response?: Response }).response?.status).toBe(503);
    // 2 ky attempts × 3 pipeline attempts: why one layer must own retries.
    expect(seen).toHaveLength(6);
  });

  it('a refused origin rejects through ky with the OriginNotAllowedError and sends nothing', async () => {
    const api = ky.create({ fetch: partnerFetch(), retry: 0, timeout: false });
    const error = await api.get('https://elsewhere.test/orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OriginNotAllowedError);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });
});

describe('createFetch as a drop-in `typeof fetch`', () => {
  /** A tiny generic API client that knows nothing of Attaché: it only takes a fetch. */
  function createOrdersApi(fetchImpl: typeof fetch, baseUrl: string) {
    return {
      /** Calls fetch with a Request, as openapi-fetch does. */
      async list(): Promise<unknown> {
        const response = await fetchImpl(
          new Request(`${baseUrl}/v1/orders`, { headers: { accept: 'application/json' } }),
        );
        if (!response.ok) throw new Error(`orders: HTTP ${response.status}`);
        return response.json();
      },
      /** Calls fetch with a URL and an init. */
      async create(total: number): Promise<number> {
        const response = await fetchImpl(`${baseUrl}/v1/orders`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ total }),
        });
        return response.status;
      },
    };
  }

  it('called with a Request: attaches the credentials and retries a 503 once', async () => {
    const { seen } = ordersEndpoint([503, 200]);
    const api = createOrdersApi(partnerFetch(), BASE);
    expect(await api.list()).toEqual([{ id: 'o-1' }]);
    expect(seen.map((r) => r.headers.get('authorization'))).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(seen.map((r) => r.headers.get('accept'))).toEqual(['application/json', 'application/json']);
  });

  it('called with a URL and an init: attaches the credentials and resends the body on the retry', async () => {
    const { seen } = ordersEndpoint([503, 200]);
    const api = createOrdersApi(partnerFetch(), BASE);
    expect(await api.create(12)).toBe(200);
    expect(seen.map((r) => [r.method, r.headers.get('authorization')])).toEqual([
      ['PUT', `Bearer ${TOKEN}`],
      ['PUT', `Bearer ${TOKEN}`],
    ]);
    expect(await Promise.all(seen.map((r) => r.text()))).toEqual(['{"total":12}', '{"total":12}']);
  });

  it('the same client on the global fetch sends no credentials and does not retry', async () => {
    const { seen } = ordersEndpoint([503, 200]);
    const api = createOrdersApi(fetch, BASE);
    await expect(api.list()).rejects.toThrow('orders: HTTP 503');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.get('authorization')).toBeNull();
  });
});
