// Every credential value is header-safe or refused with a typed error that names the field and never
// quotes the value; nothing is sent. Property tests over many hostile values.
import { inspect } from 'node:util';
import {
  type Authenticator,
  basicAuth,
  bearerAuth,
  ConfigError,
  createFetch,
  createMemoryTokenStore,
  createTokenSource,
  secret,
  TokenAcquisitionError,
  type TokenSource,
  tokenAuth,
} from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  assertNoLeak,
  type Hostile,
  notAString,
  unsafeText,
  unsafeToken,
} from '../../../test/support/hostile-values.ts';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();
const show = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });

/** A partner answering every path under BASE: its call count shows whether anything was sent. */
function partner() {
  const api = mockPartnerApi({ baseUrl: BASE });
  server.use(...api.handlers);
  return api;
}

async function refusal(auth: Authenticator): Promise<unknown> {
  const fetch = createFetch({ baseUrl: BASE, auth });
  return fetch('orders').then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectRefused(
  error: unknown,
  type: typeof ConfigError | typeof TokenAcquisitionError,
  field: string,
  hostile: Hostile,
): void {
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toContain(field);
  assertNoLeak(error, hostile.marker, show);
  if (type === TokenAcquisitionError) expect((error as TokenAcquisitionError).isRetryable).toBe(false);
}

describe('checkHeaderValue', () => {
  it('refuses controls, invisible characters, spaces and non-ASCII in a token, naming the field', () => {
    fc.assert(
      fc.property(
        unsafeToken,
        fc.constantFrom('config', 'endpoint', 'store') as fc.Arbitrary<'config' | 'endpoint' | 'store'>,
        (hostile, origin) => {
          let caught: unknown;
          try {
            checkHeaderValue(hostile.value, 'the field', origin);
          } catch (error) {
            caught = error;
          }
          expectRefused(
            caught,
            origin === 'config' ? ConfigError : TokenAcquisitionError,
            'the field',
            hostile,
          );
          // A Secret holding it is refused the same way.
          expect(() => checkHeaderValue(secret(hostile.value), 'f', origin)).toThrow(/^f /);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses controls and invisible characters in text, and lets spaces and non-ASCII through', () => {
    fc.assert(
      fc.property(unsafeText, (hostile) => {
        expect(() => checkHeaderValue(hostile.value, 'pw', 'config', 'text')).toThrow(ConfigError);
      }),
      { numRuns: 300 },
    );
    for (const fine of ['pass word', 'clé€😀', '中文 密码', 'a:b%c+d/e=f&g']) {
      expect(checkHeaderValue(fine, 'pw', 'config', 'text')).toBe(fine);
    }
  });

  it('accepts every visible ASCII token, and printable text with inner spaces', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e]{1,64}$/), (value) => {
        expect(checkHeaderValue(value, 'f', 'config')).toBe(value);
        expect(checkHeaderValue(secret(value), 'f', 'config')).toBe(value);
      }),
    );
    expect(checkHeaderValue('key id 7', 'f', 'config', 'printable')).toBe('key id 7');
    expect(() => checkHeaderValue(' key', 'f', 'config', 'printable')).toThrow(/begins or ends with a space/);
  });

  it.each([
    [undefined, /is not a string or a Secret \(got undefined\)/],
    [null, /got null/],
    [42, /got number/],
    [{}, /got an object/],
    [[], /got an array/],
    ['', /is empty/],
  ])('refuses %j', (value, message) => {
    expect(() => checkHeaderValue(value, 'f', 'config')).toThrow(message);
    expect(() => checkHeaderValue(value, 'f', 'endpoint')).toThrow(TokenAcquisitionError);
  });
});

describe('bearerAuth', () => {
  it('refuses a hostile static token or Secret at construction', () => {
    fc.assert(
      fc.property(unsafeToken, fc.boolean(), (hostile, wrap) => {
        let caught: unknown;
        try {
          bearerAuth({ token: wrap ? secret(hostile.value) : hostile.value });
        } catch (error) {
          caught = error;
        }
        expectRefused(caught, ConfigError, 'bearerAuth: token', hostile);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a hostile provider result before anything is sent', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, fc.boolean(), async (hostile, async) => {
        const error = await refusal(
          bearerAuth({ token: async ? async () => secret(hostile.value) : () => hostile.value }),
        );
        expectRefused(error, ConfigError, 'bearerAuth: token provider result', hostile);
      }),
      { numRuns: 150 },
    );
    expect(api.calls.total).toBe(0);
  });

  it("refuses a provider's '', undefined, null and non-strings", async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(notAString, async (value) => {
        const error = await refusal(bearerAuth({ token: () => value as string }));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(
          /^bearerAuth: token provider result (is empty|is not a string)/,
        );
      }),
    );
    expect(api.calls.total).toBe(0);
  });
});

describe('basicAuth', () => {
  it('refuses a username or password with controls or invisible characters at construction', () => {
    fc.assert(
      fc.property(unsafeText, fc.constantFrom('username', 'password'), (hostile, field) => {
        let caught: unknown;
        try {
          basicAuth(
            field === 'username'
              ? { username: hostile.value, password: 'pw' }
              : { username: 'user', password: secret(hostile.value) },
          );
        } catch (error) {
          caught = error;
        }
        expectRefused(caught, ConfigError, `basicAuth: ${field}`, hostile);
      }),
      { numRuns: 300 },
    );
  });

  it('sends any other text, spaces and non-ASCII included, UTF-8 encoded', async () => {
    let seen: string | null = null;
    server.use(
      http.get(`${BASE}/orders`, ({ request }) => {
        seen = request.headers.get('authorization');
        return HttpResponse.json({});
      }),
    );
    const fetch = createFetch({
      baseUrl: BASE,
      auth: basicAuth({ username: 'jürgen', password: 'pass wört 😀' }),
    });
    await fetch('orders');
    const bytes = Uint8Array.from(atob((seen ?? '').slice(6)), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe('jürgen:pass wört 😀');
  });
});

describe('the token source and tokenAuth', () => {
  it('refuses a hostile access token from fetchToken: TokenAcquisitionError, nothing sent', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, async (hostile) => {
        const source = createTokenSource(async () => ({ accessToken: secret(hostile.value), expiresIn: 60 }));
        const error = await refusal(tokenAuth({ source }));
        expectRefused(error, TokenAcquisitionError, 'access token', hostile);
        expect((error as TokenAcquisitionError).error).toBe('invalid_token_response');
      }),
      { numRuns: 150 },
    );
    expect(api.calls.total).toBe(0);
  });

  it('refuses what a token source of another making hands out', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(unsafeToken, async (hostile) => {
        const source: TokenSource = {
          key: 'custom',
          get: async () => ({
            value: secret(hostile.value),
            type: 'Bearer',
            issuedAt: 0,
            expiresAt: Number.MAX_SAFE_INTEGER,
            refreshAt: Number.MAX_SAFE_INTEGER,
            extra: {},
          }),
          invalidate: async () => false,
          peek: () => undefined,
        };
        const error = await refusal(tokenAuth({ source, name: 'custom-token' }));
        expectRefused(
          error,
          TokenAcquisitionError,
          'custom-token: access token from the token source',
          hostile,
        );
      }),
      { numRuns: 100 },
    );
    expect(api.calls.total).toBe(0);
  });

  it('treats a store entry with a hostile token as a miss: the token comes from the network', async () => {
    // The partner accepts only the fresh token, in `Authorization: Bearer …`.
    const api = mockPartnerApi({
      baseUrl: BASE,
      guards: { apiKey: { name: 'authorization', prefix: 'Bearer ', keys: 'fresh-token' } },
    });
    server.use(...api.handlers);
    let keyCount = 0;
    await fc.assert(
      fc.asyncProperty(unsafeToken, fc.boolean(), async (hostile, inType) => {
        api.reset();
        const store = createMemoryTokenStore();
        const key = `store-case-${++keyCount}`;
        const now = Date.now();
        await store.set(
          key,
          JSON.stringify({
            version: 1,
            accessToken: inType ? 'planted-token' : hostile.value,
            tokenType: inType ? hostile.value : 'Bearer',
            issuedAt: now,
            expiresAt: now + 3_600_000,
          }),
          3_600_000,
        );
        let fetched = 0;
        const source = createTokenSource(
          async () => {
            fetched++;
            return { accessToken: 'fresh-token', expiresIn: 3600 };
          },
          { key, store },
        );
        const fetch = createFetch({ baseUrl: BASE, auth: tokenAuth({ source }) });
        expect((await fetch('orders')).status).toBe(200);
        expect(fetched).toBe(1);
        expect(api.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
      }),
      { numRuns: 100 },
    );
  });
});
