// apiKeyAuth's header safety in a real Chromium (cookies cannot be set there, so header and query).
import { ConfigError, createFetch, secret } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, unsafeToken } from '../../../test/support/hostile-values.ts';
import { apiKeyAuth } from '../src/index.ts';
import { useMswWorker } from './support/msw-worker.ts';

const BASE = 'https://api.partner.test';
const worker = useMswWorker();

describe('apiKeyAuth header safety in Chromium', () => {
  it('refuses hostile keys, fixed or from a provider, before anything is sent', async () => {
    const api = mockPartnerApi({ baseUrl: BASE });
    worker.use(...api.handlers);
    await fc.assert(
      fc.asyncProperty(
        unsafeToken,
        fc.constantFrom<'header' | 'query'>('header', 'query'),
        fc.boolean(),
        async (hostile, where, provider) => {
          let error: unknown;
          try {
            const auth = apiKeyAuth({
              key: provider ? async () => hostile.value : secret(hostile.value),
              in: where,
            });
            await createFetch({ baseUrl: BASE, auth })('orders');
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toMatch(/^apiKeyAuth: key /);
          assertNoLeak(error, hostile.marker);
        },
      ),
      { numRuns: 200 },
    );
    expect(api.calls.total).toBe(0);
  });
});
