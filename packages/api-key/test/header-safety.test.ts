// A key is header-safe or refused before anything is sent, with a ConfigError that never quotes it.
import { inspect } from 'node:util';
import { ConfigError, createFetch, secret } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, notAString, unsafeToken } from '../../../test/support/hostile-values.ts';
import { type ApiKeyPlacement, apiKeyAuth } from '../src/index.ts';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();
const show = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });
const placement = fc.constantFrom<ApiKeyPlacement>('header', 'query', 'cookie');

/** A partner answering every path under BASE: its call count shows whether anything was sent. */
function partner() {
  const api = mockPartnerApi({ baseUrl: BASE });
  server.use(...api.handlers);
  return api;
}

describe('apiKeyAuth refuses keys a header, query or cookie cannot carry as they are', () => {
  it('a fixed key or Secret: at construction', () => {
    fc.assert(
      fc.property(unsafeToken, placement, fc.boolean(), (hostile, where, wrap) => {
        let caught: unknown;
        try {
          apiKeyAuth({ key: wrap ? secret(hostile.value) : hostile.value, in: where });
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(ConfigError);
        expect((caught as Error).message).toMatch(/^apiKeyAuth: key /);
        assertNoLeak(caught, hostile.marker, show);
      }),
      { numRuns: 400 },
    );
  });

  it("a provider's answer: from the call, before anything is sent", async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, placement, async (hostile, where) => {
        const fetch = createFetch({
          baseUrl: BASE,
          auth: apiKeyAuth({ key: async () => hostile.value, in: where }),
        });
        const error = await fetch('orders').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(/^apiKeyAuth: key /);
        assertNoLeak(error, hostile.marker, show);
      }),
      { numRuns: 150 },
    );
    expect(api.calls.total).toBe(0);
  });

  it("a provider answering '', undefined, null or a non-string", async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(notAString, async (value) => {
        const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: () => value as string }) });
        await expect(fetch('orders')).rejects.toBeInstanceOf(ConfigError);
      }),
    );
    expect(api.calls.total).toBe(0);
  });
});
