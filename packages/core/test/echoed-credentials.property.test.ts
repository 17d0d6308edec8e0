import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttacheEvent,
  type Authenticator,
  basicAuth,
  bearerAuth,
  createClient,
  HttpError,
  InsufficientScopeError,
  type OutgoingRequest,
} from '../src/index.ts';

// Credentials that survive a quoted-string unchanged (no `"` or `\`), long enough to be told from words.
const CREDENTIAL = fc.stringMatching(/^[A-Za-z0-9._~+/-]{12,40}$/);

const queryKey = (value: string): Authenticator => ({
  name: 'query-key',
  sensitiveQuery: ['k'],
  attach: (draft) => {
    draft.url.searchParams.set('k', value);
  },
});

/** Every spelling of the credential the request carried, as the partner may echo it. */
function echoes(outgoing: OutgoingRequest): string[] {
  const authorization = outgoing.headers.get('authorization');
  const key = new URL(outgoing.url).searchParams.get('k');
  if (key !== null) return [key, outgoing.url];
  return authorization === null ? [] : [authorization, authorization.split(' ')[1] ?? ''];
}

describe('a partner that echoes the credential into its insufficient_scope challenge', () => {
  it('the InsufficientScopeError keeps none of it: not in its message, its scope or anywhere inspect reaches', async () => {
    await fc.assert(
      fc.asyncProperty(
        CREDENTIAL,
        fc.constantFrom('bearer', 'basic', 'query'),
        fc.constantFrom(401, 403),
        fc.constantFrom(0, 1),
        async (value, scheme, status, which) => {
          const auth =
            scheme === 'bearer'
              ? bearerAuth({ token: value })
              : scheme === 'basic'
                ? basicAuth({ username: 'robot', password: value })
                : queryKey(value);
          const client = createClient({
            baseUrl: 'https://api.partner.example',
            auth,
            transport: async (outgoing) => {
              const echoed = echoes(outgoing)[which] ?? '';
              const challenge = `Bearer error="insufficient_scope", scope="orders:write ${echoed}"`;
              return new Response(null, { status, headers: { 'www-authenticate': challenge } });
            },
          });
          const error = await client.get('orders').catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(InsufficientScopeError);
          const scopeError = error as InsufficientScopeError;
          expect(scopeError.scope).toMatch(/^orders:write /);
          const basic = btoa(`robot:${value}`);
          for (const text of [scopeError.message, String(scopeError.scope), inspect(error, { depth: 6 })]) {
            expect(text).not.toContain(value);
            expect(text).not.toContain(basic);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a token in a URL fragment', () => {
  it('reaches no event and no error: a fragment never travels, so what is logged of a URL leaves it out', async () => {
    await fc.assert(
      fc.asyncProperty(CREDENTIAL, fc.boolean(), async (value, fromPartner) => {
        const events: AttacheEvent[] = [];
        const fragment = `#access_token=${value}&token_type=bearer`;
        const client = createClient({
          baseUrl: 'https://api.partner.example',
          auth: bearerAuth({ token: 'token-for-the-partner' }),
          redirects: 'pipeline',
          retry: { baseDelay: 0 },
          onEvent: (event) => events.push(event),
          transport: async (outgoing) => {
            // An implicit-grant style answer (RFC 6749 §4.2.2): the token in the Location's fragment.
            if (fromPartner && outgoing.url.endsWith('/start'))
              return new Response(null, { status: 302, headers: { location: `/callback${fragment}` } });
            return new Response(null, { status: 500 });
          },
        });
        const error = await client.get(fromPartner ? 'start' : `orders${fragment}`).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HttpError);
        expect((error as HttpError).request?.url).toMatch(/^https:\/\/api\.partner\.example\/[a-z]+$/);
        expect(inspect(error, { depth: 6 })).not.toContain(value);
        expect(events.some((e) => e.type === 'attempt:start')).toBe(true);
        for (const event of events) expect(JSON.stringify(event)).not.toContain(value);
      }),
      { numRuns: 100 },
    );
  });
});
