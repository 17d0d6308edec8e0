// The same header-safety properties in a real Chromium: its fetch and Headers are the ones that would carry
// (or refuse, quoting) a hostile value.
import {
  basicAuth,
  bearerAuth,
  ConfigError,
  createFetch,
  createTokenSource,
  secret,
  TokenAcquisitionError,
  tokenAuth,
} from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, notAString, unsafeText, unsafeToken } from '../../../test/support/hostile-values.ts';
import { useMswWorker } from '../../../test/support/msw-worker.ts';

const BASE = 'https://api.partner.test';
const worker = useMswWorker();

/** A partner answering every path under BASE: its call count shows whether anything was sent. */
function partner() {
  const api = mockPartnerApi({ baseUrl: BASE });
  worker.use(...api.handlers);
  return api;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('header safety in Chromium', () => {
  it('runs in a browser', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('bearerAuth: hostile static tokens and provider results are ConfigErrors; nothing is sent', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, fc.boolean(), async (hostile, provider) => {
        let error: unknown;
        if (provider) {
          error = await failure(
            createFetch({ baseUrl: BASE, auth: bearerAuth({ token: async () => hostile.value }) })('orders'),
          );
        } else {
          try {
            bearerAuth({ token: secret(hostile.value) });
          } catch (caught) {
            error = caught;
          }
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(/^bearerAuth: token /);
        assertNoLeak(error, hostile.marker);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(notAString, async (value) => {
        const error = await failure(
          createFetch({ baseUrl: BASE, auth: bearerAuth({ token: () => value as string }) })('orders'),
        );
        expect(error).toBeInstanceOf(ConfigError);
      }),
    );
    expect(api.calls.total).toBe(0);
  });

  it('basicAuth: controls and invisible characters are ConfigErrors', () => {
    fc.assert(
      fc.property(unsafeText, (hostile) => {
        let error: unknown;
        try {
          basicAuth({ username: 'user', password: hostile.value });
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(/^basicAuth: password /);
        assertNoLeak(error, hostile.marker);
      }),
      { numRuns: 200 },
    );
  });

  it('token source: a hostile access token is a TokenAcquisitionError; nothing is sent', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, async (hostile) => {
        const source = createTokenSource(async () => ({ accessToken: hostile.value, expiresIn: 60 }));
        const error = await failure(createFetch({ baseUrl: BASE, auth: tokenAuth({ source }) })('orders'));
        expect(error).toBeInstanceOf(TokenAcquisitionError);
        expect(error).toMatchObject({ field: 'access_token', isRetryable: false });
        assertNoLeak(error, hostile.marker);
      }),
      { numRuns: 150 },
    );
    expect(api.calls.total).toBe(0);
  });
});
