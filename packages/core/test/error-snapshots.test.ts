// Errors keep no partner credentials: Set-Cookie and other credential-bearing response headers are masked
// in what an error keeps of the response, and neither an error's message nor its inspect output holds the
// partner's response body. Property tests over many values.
import { inspect } from 'node:util';
import { createClient, HttpError } from '@attache/core';
import { redactResponseHeaders } from '@attache/core/internal';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { assertNoLeak } from '../../../test/support/hostile-values.ts';
import { useMswServer } from './support/msw.ts';

const BASE = 'https://api.partner.test';
const server = useMswServer();
const show = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });

const CREDENTIAL_HEADERS = [
  'set-cookie',
  'authentication-info',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-api-key',
  'x-csrf-token',
] as const;

const marker = fc.stringMatching(/^[A-Za-z0-9]{10,24}$/).map((s) => `P4rtn3r${s}`);
const cookieAttributes = fc.constantFrom(
  '',
  '; Path=/',
  '; HttpOnly; Secure',
  '; Max-Age=3600; SameSite=Lax',
);
const status = fc.constantFrom(400, 401, 403, 404, 409, 422, 429, 500, 502, 503);
const bodyShape = fc.constantFrom('json', 'text', 'html');

function bodyWith(secret: string, shape: string): Response {
  if (shape === 'json') return HttpResponse.json({ error: 'nope', session: secret, echo: { token: secret } });
  if (shape === 'html') return HttpResponse.html(`<html><body><pre>${secret}</pre></body></html>`);
  return HttpResponse.text(`error: ${secret}`);
}

describe('what an HttpError keeps of the response', () => {
  it('masks every credential header, keeps the others, and never shows the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(marker, cookieAttributes), { minLength: 1, maxLength: 3 }),
        fc.subarray([...CREDENTIAL_HEADERS].filter((h) => h !== 'set-cookie')),
        marker,
        marker,
        status,
        bodyShape,
        async (cookies, others, headerSecret, bodySecret, code, shape) => {
          server.use(
            http.get(`${BASE}/orders`, () => {
              const answer = bodyWith(bodySecret, shape);
              const headers = new Headers(answer.headers);
              for (const [value, attributes] of cookies)
                headers.append('set-cookie', `sid=${value}${attributes}`);
              for (const name of others) headers.set(name, headerSecret);
              headers.set('x-request-id', 'req-42');
              headers.set('retry-after', '120');
              return new Response(answer.body, { status: code, headers });
            }),
          );
          const client = createClient({ baseUrl: BASE });
          const error = await client.get('orders').then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(HttpError);
          const kept = (error as HttpError).response;
          expect(kept.headers.getSetCookie()).toEqual(cookies.map(() => '[redacted]'));
          for (const name of others) expect(kept.headers.get(name)).toBe('[redacted]');
          expect(kept.headers.get('x-request-id')).toBe('req-42');
          expect((error as HttpError).status).toBe(code);
          for (const [value] of cookies) assertNoLeak(error, value, show);
          if (others.length > 0) assertNoLeak(error, headerSecret, show);
          assertNoLeak(error, bodySecret, show);
          // The body is still there for code that reads it on purpose.
          expect(await kept.text()).toContain(bodySecret);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('masks them on an HttpError built by hand too', () => {
    fc.assert(
      fc.property(marker, fc.constantFrom(...CREDENTIAL_HEADERS), (value, name) => {
        const response = new Response(`body ${value}`, {
          status: 500,
          headers: { [name]: value, 'x-ok': '1' },
        });
        const error = new HttpError('GET https://api.partner.test/ failed with HTTP 500', { response });
        expect(error.response.headers.get(name)).toBe('[redacted]');
        expect(error.response.headers.get('x-ok')).toBe('1');
        assertNoLeak(error, value, show);
      }),
    );
  });

  it('keeps a response whose status cannot be copied (no body statuses), still masked', async () => {
    for (const code of [204, 304]) {
      const response = new Response(null, { status: code, headers: { 'set-cookie': 'sid=P4rtn3rnobody' } });
      const error = new HttpError(`HTTP ${code}`, { response });
      expect(error.response.status).toBe(code);
      expect(error.response.headers.getSetCookie()).toEqual(['[redacted]']);
    }
  });
});

describe('redactResponseHeaders', () => {
  it('masks credential headers whatever their case, one Set-Cookie at a time', () => {
    fc.assert(
      fc.property(fc.array(marker, { minLength: 1, maxLength: 5 }), marker, (cookies, token) => {
        const headers = new Headers();
        for (const value of cookies) headers.append('Set-Cookie', `c=${value}`);
        headers.set('X-Auth-Token', token);
        headers.set('Content-Type', 'application/json');
        const masked = redactResponseHeaders(headers);
        expect(masked.getSetCookie()).toHaveLength(cookies.length);
        expect([...masked].map(([, value]) => value).join('\n')).not.toMatch(/P4rtn3r/);
        expect(masked.get('content-type')).toBe('application/json');
      }),
    );
  });
});
