import { type ApiKeyAuthOptions, apiKeyAuth } from '@attache/api-key';
import {
  ConfigError,
  createClient,
  createFetch,
  type Secret,
  secret,
  TokenAcquisitionError,
  UnauthorizedError,
} from '@attache/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

type Placement = Pick<ApiKeyAuthOptions, 'in' | 'name' | 'prefix'>;

/** Reads the key from where `placement` puts it, as the partner would. */
function keyOf(request: Request, placement: Placement): string | undefined {
  if (placement.in === 'query')
    return new URL(request.url).searchParams.get(placement.name ?? 'api_key') ?? undefined;
  if (placement.in === 'cookie') {
    const pair = (request.headers.get('cookie') ?? '')
      .split('; ')
      .find((p) => p.startsWith(`${placement.name ?? 'api_key'}=`));
    return pair?.slice(pair.indexOf('=') + 1);
  }
  const value = request.headers.get(placement.name ?? 'x-api-key');
  return value === null ? undefined : value.slice((placement.prefix ?? '').length);
}

/** A partner API that accepts only the keys in `valid` and records every key it was sent. */
function partner(valid: Set<string>, placement: Placement = {}): { seen: (string | undefined)[] } {
  const seen: (string | undefined)[] = [];
  server.use(
    http.get(`${BASE}/orders`, ({ request }) => {
      const key = keyOf(request, placement);
      seen.push(key);
      return key !== undefined && valid.has(key)
        ? HttpResponse.json({ orders: [] })
        : HttpResponse.json({ error: 'invalid api key' }, { status: 401 });
    }),
  );
  return { seen };
}

/** A provider returning the keys in order (the last one forever), counting its calls. */
function keyProvider(...keys: (string | Secret)[]): {
  provider: () => Promise<string | Secret>;
  calls: () => number;
} {
  let calls = 0;
  return {
    calls: () => calls,
    provider: async () => keys[Math.min(calls++, keys.length - 1)] as string | Secret,
  };
}

const placements: [string, Placement][] = [
  ['header', {}],
  ['header with a prefix', { name: 'Authorization', prefix: 'ApiKey ' }],
  ['query', { in: 'query' }],
  ['cookie', { in: 'cookie', name: 'partner_key' }],
];

describe.each(placements)('rotation with the key in a %s', (_label, placement) => {
  it('re-reads the provider on 401 and replays once with the new key', async () => {
    const { seen } = partner(new Set(['key-2']), placement);
    const { provider, calls } = keyProvider('key-1', secret('key-2'));
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider, ...placement }) });

    const response = await fetch('orders');

    expect(response.status).toBe(200);
    expect(seen).toEqual(['key-1', 'key-2']);
    expect(calls()).toBe(2);
  });

  it('does not replay when the provider still returns the rejected key', async () => {
    const { seen } = partner(new Set(), placement);
    const { provider, calls } = keyProvider('key-1');
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider, ...placement }) });

    const response = await fetch('orders');

    expect(response.status).toBe(401);
    expect(seen).toEqual(['key-1']);
    expect(calls()).toBe(2);
  });
});

describe('rotation: the provider is cached between 401s', () => {
  it('reads the provider once for many calls', async () => {
    const { seen } = partner(new Set(['key-1']));
    const { provider, calls } = keyProvider('key-1');
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    for (let i = 0; i < 3; i++) expect((await fetch('orders')).status).toBe(200);

    expect(seen).toEqual(['key-1', 'key-1', 'key-1']);
    expect(calls()).toBe(1);
  });

  it('sends the rotated key on later calls without another 401', async () => {
    const { seen } = partner(new Set(['key-2']));
    const { provider, calls } = keyProvider('key-1', 'key-2');
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    await fetch('orders');
    await fetch('orders');

    expect(seen).toEqual(['key-1', 'key-2', 'key-2']);
    expect(calls()).toBe(2);
  });

  it('a fixed key is never replayed: the 401 comes back after one request', async () => {
    const { seen } = partner(new Set());
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: secret('key-1') }) });

    expect((await fetch('orders')).status).toBe(401);
    expect(seen).toEqual(['key-1']);
  });

  it('replays at most once: a second 401 is final even if the key changed again', async () => {
    const { seen } = partner(new Set());
    const { provider, calls } = keyProvider('key-1', 'key-2', 'key-3');
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    expect((await fetch('orders')).status).toBe(401);
    expect(seen).toEqual(['key-1', 'key-2']);
    expect(calls()).toBe(2);
  });

  it('createClient throws UnauthorizedError after the one replay', async () => {
    const { seen } = partner(new Set());
    const { provider } = keyProvider('key-1', 'key-2');
    const client = createClient({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    await expect(client.get('orders')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(seen).toEqual(['key-1', 'key-2']);
  });

  it('concurrent calls share one read, and concurrent 401s share one re-read', async () => {
    const { seen } = partner(new Set(['key-2']));
    const { provider, calls } = keyProvider('key-1', 'key-2');
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    const responses = await Promise.all(Array.from({ length: 8 }, () => fetch('orders')));

    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(calls()).toBe(2);
    expect(seen.filter((k) => k === 'key-1')).toHaveLength(8);
    expect(seen.filter((k) => k === 'key-2')).toHaveLength(8);
    expect(seen).toHaveLength(16);
  });

  it('a late 401 for an old key replays with the current key without reading the provider again', async () => {
    const valid = new Set(['key-1']);
    const { seen } = partner(valid);
    const { provider, calls } = keyProvider('key-1', 'key-2', 'key-3');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slowFirst = true;
    // The first request answers only after the partner has revoked key-1 and another call has rotated.
    server.use(
      http.get(`${BASE}/orders`, async ({ request }) => {
        const key = request.headers.get('x-api-key') ?? undefined;
        seen.push(key);
        if (slowFirst) {
          slowFirst = false;
          await gate;
        }
        return key !== undefined && valid.has(key)
          ? HttpResponse.json({ orders: [] })
          : new HttpResponse(null, { status: 401 });
      }),
    );
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    const slow = fetch('orders');
    await vi.waitFor(() => expect(seen).toEqual(['key-1']));
    valid.clear();
    valid.add('key-2');
    const fast = await fetch('orders');
    release();
    const late = await slow;

    expect(fast.status).toBe(200);
    expect(late.status).toBe(200);
    expect(seen).toEqual(['key-1', 'key-1', 'key-2', 'key-2']);
    expect(calls()).toBe(2);
  });
});

describe('rotation: provider failures', () => {
  it('a failing provider is a TokenAcquisitionError with the cause, nothing is sent, and it is not cached', async () => {
    const { seen } = partner(new Set(['key-1']));
    let calls = 0;
    const cause = new Error('vault unavailable');
    const provider = async (): Promise<string> => {
      calls++;
      if (calls === 1) throw cause;
      return 'key-1';
    };
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    const error = await fetch('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect((error as TokenAcquisitionError).cause).toBe(cause);
    expect(seen).toEqual([]);

    expect((await fetch('orders')).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('a provider failing on the re-read rejects the call with TokenAcquisitionError', async () => {
    const { seen } = partner(new Set());
    let calls = 0;
    const provider = (): string => {
      calls++;
      if (calls === 2) throw new Error('vault unavailable');
      return 'key-1';
    };
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: provider }) });

    await expect(fetch('orders')).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(seen).toEqual(['key-1']);
  });

  it('a provider returning an unusable key is a ConfigError, and nothing is sent', async () => {
    const { seen } = partner(new Set());
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: (() => 42) as unknown as () => string }),
    });
    await expect(fetch('orders')).rejects.toThrow(/key provider must return a string or a Secret/);

    const spaced = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: () => 'a key with spaces' }) });
    await expect(spaced('orders')).rejects.toBeInstanceOf(ConfigError);
    expect(seen).toEqual([]);
  });
});
