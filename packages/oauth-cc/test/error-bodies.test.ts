// A token endpoint's or metadata endpoint's answer never ends up whole in an error: only the RFC 6749 §5.2
// `error` code and a cleaned, bounded `error_description` are quoted; cookies and the rest of the body are not.
import { inspect } from 'node:util';
import { TokenAcquisitionError } from '@attache/core';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { assertNoLeak } from '../../../test/support/hostile-values.ts';
import { useMswServer } from '../../core/test/support/msw.ts';
import { clientCredentialsAuth, DiscoveryError, discover } from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/token';
const ISSUER = 'https://issuer.partner.example';
const server = useMswServer();
const show = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });
let clients = 0;

const marker = fc.stringMatching(/^[A-Za-z0-9]{10,24}$/).map((s) => `B0dy${s}`);
const status = fc.constantFrom(400, 401, 403, 404, 429, 500, 502, 503);

function answer(kind: string, secret: string, code: number): Response {
  const headers = { 'set-cookie': `sid=${secret}; HttpOnly`, 'x-auth-token': secret };
  switch (kind) {
    case 'oauth':
      return HttpResponse.json(
        {
          error: 'invalid_client',
          // Past the quoted part: what a server that echoes whole requests into the description would leak.
          error_description: `${'x'.repeat(320)} ${secret}`,
          trace: secret,
          request: { client_secret: secret },
        },
        { status: code, headers },
      );
    case 'oauth-multiline':
      return HttpResponse.json(
        { error: 'server_error', error_description: `failed\n${secret}\u0000` },
        { status: code, headers },
      );
    case 'html':
      return HttpResponse.html(`<!doctype html><h1>Error</h1><pre>${secret}</pre>`, {
        status: code,
        headers,
      });
    case 'json':
      return HttpResponse.json({ message: 'nope', debug: secret }, { status: code, headers });
    default:
      return HttpResponse.text(`stack trace ${secret}`, { status: code, headers });
  }
}

describe('token endpoint errors keep no part of the body but the OAuth error', () => {
  it('for OAuth errors, JSON, HTML and text bodies, any status, with cookies', async () => {
    await fc.assert(
      fc.asyncProperty(
        marker,
        status,
        fc.constantFrom('oauth', 'oauth-multiline', 'html', 'json', 'text'),
        async (secret, code, kind) => {
          server.use(http.post(TOKEN_URL, () => answer(kind, secret, code)));
          const auth = clientCredentialsAuth({
            tokenEndpoint: TOKEN_URL,
            clientId: `bodies-${++clients}`,
            clientSecret: 'client-secret',
            retry: false,
          });
          const error = await auth.source.get().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TokenAcquisitionError);
          expect((error as TokenAcquisitionError).status).toBe(code);
          assertNoLeak(error, secret, show);
          const description = (error as TokenAcquisitionError).errorDescription;
          if (description !== undefined) {
            expect(description.length).toBeLessThanOrEqual(300);
            expect(description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('discovery errors keep no part of the body', () => {
  it('for a foreign issuer, invalid metadata, HTML and server errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        marker,
        fc.constantFrom('issuer', 'invalid', 'html', 'server'),
        async (secret, kind) => {
          server.use(
            http.get(`${ISSUER}/.well-known/*`, () => {
              if (kind === 'issuer')
                return HttpResponse.json({
                  issuer: `https://evil.example/${secret}?${secret}`,
                  token_endpoint: `${ISSUER}/token`,
                });
              if (kind === 'invalid')
                return HttpResponse.json({ issuer: ISSUER, token_endpoint: secret, x: secret });
              if (kind === 'html') return HttpResponse.html(`<html>${secret}</html>`);
              return HttpResponse.text(secret, { status: 503, headers: { 'set-cookie': `s=${secret}` } });
            }),
          );
          const error = await discover(ISSUER, { cache: false }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(DiscoveryError);
          assertNoLeak(error, secret, show);
        },
      ),
      { numRuns: 40 },
    );
  });
});
