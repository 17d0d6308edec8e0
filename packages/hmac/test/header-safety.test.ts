// The signer's own values (key id, nonce) travel in headers: refused with a ConfigError that never quotes them.
import { inspect } from 'node:util';
import { ConfigError, createFetch } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, notAString, unsafeToken } from '../../../test/support/hostile-values.ts';
import { hmacAuth } from '../src/hmac-auth.ts';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const KEY = 'partner-shared-secret-0123456789';
const server = useMswServer();
const show = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });
const scheme = fc.constantFrom<'rfc9421' | 'simple'>('rfc9421', 'simple');
// Printable ASCII with inner spaces is a valid key id: only what is unsafe for a token *and* not an inner space.
const unsafeKeyId = unsafeToken.filter(({ value }) => !/^[\x21-\x7e][\x20-\x7e]*[\x21-\x7e]$/.test(value));

describe('hmacAuth', () => {
  it('refuses a key id a header cannot carry, at construction', () => {
    fc.assert(
      fc.property(unsafeKeyId, scheme, (hostile, which) => {
        let caught: unknown;
        try {
          hmacAuth({ scheme: which, keyId: hostile.value, key: KEY });
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(ConfigError);
        expect((caught as Error).message).toMatch(/^hmacAuth: keyId /);
        assertNoLeak(caught, hostile.marker, show);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a hostile nonce() result before anything is sent', async () => {
    const api = mockPartnerApi({ baseUrl: BASE });
    server.use(...api.handlers);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          unsafeKeyId.map((h): { value: unknown; marker: string | undefined } => h),
          notAString.map((value) => ({ value, marker: undefined })),
        ),
        scheme,
        async (hostile, which) => {
          const fetch = createFetch({
            baseUrl: BASE,
            auth: hmacAuth({ scheme: which, keyId: 'key-1', key: KEY, nonce: () => hostile.value as string }),
          });
          const error = await fetch('orders', { method: 'POST', body: '{}' }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toMatch(/^hmacAuth: nonce\(\) result /);
          if (hostile.marker !== undefined) assertNoLeak(error, hostile.marker, show);
        },
      ),
      { numRuns: 150 },
    );
    expect(api.calls.total).toBe(0);
  });
});
