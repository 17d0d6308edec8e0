import { inspect } from 'node:util';
import {
  type AttacheEvent,
  basicAuth,
  bearerAuth,
  ConfigError,
  createClient,
  createFetch,
  createTokenSource,
  HttpError,
  InsecureTransportError,
  InsufficientScopeError,
  isAttacheError,
  NetworkError,
  OriginNotAllowedError,
  RateLimitedError,
  RedirectError,
  type RequestDraft,
  RequestValidationError,
  ResponseValidationError,
  secret,
  TimeoutError,
  TokenAcquisitionError,
  tokenAuth,
  UnauthorizedError,
} from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();

/**
 * The partner, answering every path under BASE. Tests arm its faults for each property run, after an
 * `api.reset()` that disarms what the previous run left.
 */
function partner() {
  const api = mockPartnerApi({ baseUrl: BASE });
  server.use(...api.handlers);
  return api;
}

// Secrets long enough and distinctive enough that finding one by chance in a message is impossible.
const secretArb = fc
  .string({ minLength: 12, maxLength: 40, unit: 'grapheme-ascii' })
  .map((s) => `S3cr3t${s.replace(/[\s"\\%]/g, 'x')}`);

function renderings(value: unknown): string[] {
  const error = value as Error;
  return [
    String(error?.message ?? ''),
    String(error?.stack ?? ''),
    JSON.stringify(value),
    inspect(value, { depth: 10, showHidden: true }),
  ];
}

function expectNoSecret(value: unknown, secretValue: string): void {
  for (const text of renderings(value)) expect(text).not.toContain(secretValue);
}

describe('redaction by construction (property: random secrets never leak)', () => {
  it('Secret prints as [redacted] everywhere', () => {
    fc.assert(
      fc.property(secretArb, (raw) => {
        const s = secret(raw);
        expect(String(s)).toBe('[redacted]');
        expect(`${s}`).toBe('[redacted]');
        expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
        expect(inspect(s)).toBe('[redacted]');
        expect(inspect({ nested: { s } }, { showHidden: true, depth: 5 })).not.toContain(raw);
        expect(s.reveal()).toBe(raw);
      }),
    );
  });

  it('no error or event from a pipeline call carries the credential', async () => {
    const api = partner();
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom(200, 401, 403, 429, 500, 503, 0),
        fc.constantFrom('bearer', 'basic', 'query'),
        async (raw, status, scheme) => {
          // Every attempt fails the same way: three at most (the first and two retries).
          api.reset();
          if (status === 0) api.faults.networkErrorNext(3);
          else if (status === 403) {
            api.faults.failNext(3, status, {
              headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="x"' },
            });
          } else if (status !== 200) api.faults.failNext(3, status, { retryAfter: 999 });
          const events: AttacheEvent[] = [];
          const auth =
            scheme === 'bearer'
              ? bearerAuth({ token: secret(raw) })
              : scheme === 'basic'
                ? basicAuth({ username: 'user', password: secret(raw) })
                : {
                    name: 'query-key',
                    sensitiveQuery: ['k'],
                    attach: (draft: RequestDraft) => {
                      draft.url.searchParams.set('k', raw);
                    },
                  };
          const client = createClient({
            baseUrl: BASE,
            auth,
            retry: { baseDelay: 0 },
            onEvent: (e) => events.push(e),
          });
          const outcome = await client.get('things').then(
            () => undefined,
            (error: unknown) => error,
          );
          if (status !== 200) {
            expect(isAttacheError(outcome)).toBe(true);
            expectNoSecret(outcome, raw);
            if (scheme === 'basic') expectNoSecret(outcome, btoa(`user:${raw}`));
          }
          for (const event of events) expectNoSecret(event, raw);
          expect(events.length).toBeGreaterThan(0);
          // The attempt events (which carry the URL and the authenticators' names) are among those checked.
          expect(events.some((e) => e.type === 'attempt:start')).toBe(true);
          expect(new Set(events.map((e) => e.callId)).size).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('no token, attempt or token-request event of a refresh-and-replay carries the token', async () => {
    let keys = 0;
    const api = partner();
    await fc.assert(
      fc.asyncProperty(secretArb, secretArb, async (first, second) => {
        fc.pre(!first.includes(second) && !second.includes(first));
        api.reset();
        api.faults.failNext(1, 401, {
          headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${first}"` },
        });
        const tokens = [first, second];
        const source = createTokenSource(
          async (context) => {
            context.emit({
              type: 'token:request',
              endpoint: `${BASE}/token`,
              grantType: 'client_credentials',
              status: 200,
              attempts: 1,
              durationMs: 1,
            });
            return { accessToken: tokens.shift() ?? 'spent', expiresIn: 3600 };
          },
          { key: `test:redaction:${++keys}` },
        );
        const events: AttacheEvent[] = [];
        const fetch = createFetch({
          baseUrl: BASE,
          auth: tokenAuth({ source }),
          onEvent: (e) => events.push(e),
        });
        expect((await fetch('things')).status).toBe(200);
        expect(api.calls).toEqual({ total: 2, accepted: 1, rejected: 0, faulted: 1 });
        const types = new Set(events.map((e) => e.type));
        for (const type of [
          'attempt:start',
          'attempt:end',
          'token:acquired',
          'token:request',
          'challenge:handled',
        ]) {
          expect(types.has(type as AttacheEvent['type'])).toBe(true);
        }
        for (const event of events) {
          expectNoSecret(event, first);
          expectNoSecret(event, second);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('every error class keeps only redacted request snapshots', () => {
    fc.assert(
      fc.property(secretArb, (raw) => {
        const request = new Request(`${BASE}/x?api_key=${encodeURIComponent(raw)}&page=2`, {
          headers: { authorization: `Bearer ${raw}`, cookie: `s=${raw}`, 'x-api-key': raw },
        });
        const snapshot = {
          method: request.method,
          url: `${BASE}/x?api_key=%5Bredacted%5D&page=2`,
          headers: { authorization: '[redacted]' },
        };
        const response = new Response(null, { status: 500 });
        const errors = [
          new HttpError('failed', { response, request: snapshot }),
          new UnauthorizedError('401', { response, request: snapshot }),
          new InsufficientScopeError('403', { response, request: snapshot, scope: 'a' }),
          new RateLimitedError('429', { response, request: snapshot, retryAfter: 1 }),
          new TokenAcquisitionError('token', { error: 'invalid_client', status: 401 }),
          new OriginNotAllowedError('https://evil.test', { request: snapshot }),
          new InsecureTransportError('api.test', { request: snapshot }),
          new RedirectError('redirect', { request: snapshot }),
          new ResponseValidationError('bad', [{ message: 'Expected number' }]),
          new RequestValidationError('bad', [{ message: 'Required' }]),
          new ConfigError('bad option'),
          new TimeoutError('timeout', { request: snapshot }),
          new NetworkError('net', { request: snapshot }),
        ];
        for (const error of errors) {
          expect(isAttacheError(error)).toBe(true);
          expectNoSecret(error, raw);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('redactRequest masks credential headers and query parameters', async () => {
    const { redactRequest } = await import('@attache/core/internal');
    fc.assert(
      fc.property(secretArb, (raw) => {
        const request = new Request(`${BASE}/x?access_token=${encodeURIComponent(raw)}&q=1`, {
          headers: { authorization: raw, 'x-custom-key': raw, accept: 'application/json' },
        });
        const redacted = redactRequest(request, { headers: new Set(['x-custom-key']), query: new Set() });
        expectNoSecret(redacted, raw);
        expect(redacted.headers.accept).toBe('application/json');
        expect(redacted.url).toContain('q=1');
      }),
    );
  });

  it('a call timing out or failing on the network keeps the credential out of the error', async () => {
    const api = partner();
    api.faults.networkErrorNext(1);
    const fetch = createFetch({
      baseUrl: BASE,
      auth: bearerAuth({ token: 'tok_live_abcdefghijkl' }),
      retry: false,
    });
    const error = await fetch('down').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(api.calls.total).toBe(1);
    expectNoSecret(error, 'tok_live_abcdefghijkl');
  });
});
