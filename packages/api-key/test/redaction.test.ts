import { inspect } from 'node:util';
import { type ApiKeyAuthOptions, apiKeyAuth } from '@attache/api-key';
import {
  type AttacheEvent,
  createClient,
  createFetch,
  HttpError,
  isAttacheError,
  NetworkError,
  secret,
  TokenAcquisitionError,
} from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const KEY = 'live-key-0f9e8d7c6b5a';
const server = useMswServer();

/** Every way an error or event could be printed or shipped to a log. */
function renderings(value: unknown): string[] {
  const error = value as Error;
  return [
    String(value),
    JSON.stringify(value),
    inspect(value, { depth: 10 }),
    ...(value instanceof Error
      ? [error.message, error.stack ?? '', inspect(error.cause, { depth: 10 })]
      : []),
  ];
}

function expectNoKey(value: unknown): void {
  for (const text of renderings(value)) expect(text).not.toContain(KEY);
}

/** The partner: it accepts only KEY, where `options` puts it, so each test also proves the key arrived. */
function partner({ in: where, name }: Pick<ApiKeyAuthOptions, 'in' | 'name'>) {
  const api = mockPartnerApi({
    baseUrl: BASE,
    guards: {
      apiKey: {
        keys: KEY,
        ...(where === undefined ? {} : { in: where }),
        ...(name === undefined ? {} : { name }),
      },
    },
  });
  server.use(...api.handlers);
  return api;
}

const placements = [
  { label: 'query (default name)', options: { in: 'query' as const } },
  {
    label: 'query (a name only this authenticator knows)',
    options: { in: 'query' as const, name: 'partner_sig_k' },
  },
  { label: 'header (default name)', options: {} },
  { label: 'header (a name only this authenticator knows)', options: { name: 'X-Partner-Credential' } },
  { label: 'cookie', options: { in: 'cookie' as const } },
];

describe.each(placements)('the key never leaks: $label', ({ options }) => {
  it('events of a retried request are masked', async () => {
    const api = partner(options);
    api.faults.failNext(1, 503);
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: secret(KEY), ...options }),
      retry: { retries: 1, baseDelay: 0 },
      random: () => 0,
      onEvent: (event) => events.push(event),
    });

    const response = await fetch('orders?page=2');

    expect(response.status).toBe(200);
    expect(api.calls).toEqual({ total: 2, accepted: 1, rejected: 0, faulted: 1 });
    // Attempt events (`attempt:start`/`attempt:end`) come between; the call's own are these.
    expect(events.map((e) => e.type).filter((t) => !t.startsWith('attempt:'))).toEqual([
      'request:start',
      'retry:scheduled',
      'request:end',
    ]);
    expectNoKey(events);
  });

  it('the request snapshot of an HTTP error, after retries, is masked', async () => {
    const api = partner(options);
    api.faults.failNext(2, 503);
    const events: AttacheEvent[] = [];
    const client = createClient({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: secret(KEY), ...options }),
      retry: { retries: 1, baseDelay: 0 },
      random: () => 0,
      onEvent: (event) => events.push(event),
    });

    const error = await client.get('orders?page=2').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HttpError);
    expect(api.calls.faulted).toBe(2);
    // Attempt events (`attempt:start`/`attempt:end`) come between; the call's own are these.
    expect(events.map((e) => e.type).filter((t) => !t.startsWith('attempt:'))).toEqual([
      'request:start',
      'retry:scheduled',
      'request:end',
    ]);
    const request = (error as HttpError).request;
    expect(request).toBeDefined();
    expectNoKey(error);
    expectNoKey(events);
    if (options.in === 'query') expect(request?.url).toContain(`${options.name ?? 'api_key'}=%5Bredacted%5D`);
  });

  it('a NetworkError keeps a masked snapshot of the request that carried the key', async () => {
    const api = partner(options);
    api.faults.networkErrorNext(1);
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({ key: secret(KEY), ...options }),
      retry: false,
      onEvent: (event) => events.push(event),
    });

    const error = await fetch('orders').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NetworkError);
    expect(api.faults.calls.networkErrors).toBe(1);
    expect(isAttacheError(error) && error.request).toBeTruthy();
    expectNoKey(error);
    expectNoKey(events);
  });
});

describe('the key never leaks from the authenticator or its errors', () => {
  it('printing the authenticator shows no key', () => {
    expectNoKey(apiKeyAuth({ key: KEY }));
    expectNoKey(apiKeyAuth({ key: secret(KEY), in: 'query' }));
  });

  it('a provider returning an invalid key is refused without quoting it', async () => {
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: async () => `${KEY} ` }) });
    const error = await fetch('orders').catch((e: unknown) => e);
    expect(isAttacheError(error)).toBe(true);
    expectNoKey(error);
  });

  it('a failing provider is wrapped without adding the key', async () => {
    const fetch = createFetch({
      baseUrl: BASE,
      auth: apiKeyAuth({
        key: async () => {
          throw new Error('vault unavailable');
        },
      }),
    });
    const error = await fetch('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expectNoKey(error);
  });
});
