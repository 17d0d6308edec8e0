import {
  type Authenticator,
  basicAuth,
  createFetch,
  createTokenSource,
  secret,
  tokenAuth,
} from '@attache/core';
import { attacheTelemetry, combineListeners, consoleEventLogger, eventLogger } from '@attache/otel';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, sdk, serve } from './support/harness.ts';

// Distinctive, so a match can only be a leak; kept to what headers and URLs carry.
const secretArb = fc.stringMatching(/^[A-Za-z0-9._~-]{16,32}$/).map((s) => `S3c${s}`);

let partner: Loopback;
let elsewhere: Loopback;
/** What the partner answers next, set per run. */
let answer: { status: number; echo: string } = { status: 200, echo: '' };
let keys = 0;

beforeAll(async () => {
  elsewhere = await serve((_request, _body, response) => response.end('ok'));
  partner = await serve((request, _body, response) => {
    const { status, echo } = answer;
    if (status === 302) {
      // A hostile partner repeats the credentials in the Location it sends.
      response.writeHead(302, {
        location: `${elsewhere.origin}/landing?${new URL(request.url ?? '/', 'http://x').search.slice(1)}`,
      });
      response.end();
      return;
    }
    if (status === 401) {
      response.writeHead(401, {
        'www-authenticate': `Bearer error="invalid_token", error_description="${echo}"`,
      });
      response.end(echo);
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json', 'retry-after-ms': '1', 'x-echo': echo });
    response.end(JSON.stringify({ echo }));
  });
});

afterAll(async () => {
  await partner.close();
  await elsewhere.close();
});

describe('no span attribute, span event or log line carries a credential (property)', () => {
  it('holds for random credentials of three kinds, and every answer a partner can give', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        secretArb,
        secretArb,
        fc.constantFrom(200, 302, 401, 429, 503),
        async (token, password, key, status) => {
          answer = { status, echo: `${token} ${password} ${key}` };
          const otel = sdk();
          const telemetry = attacheTelemetry({
            tracerProvider: otel.tracerProvider,
            meterProvider: otel.meterProvider,
          });
          const lines: string[] = [];
          const logger = pino({ level: 'debug' }, {
            write: (line: string) => void lines.push(line),
          } as unknown as pino.DestinationStream);
          const queryKey: Authenticator = {
            name: 'query-key',
            sensitiveQuery: ['api_key'],
            attach: (draft) => draft.url.searchParams.set('api_key', key),
          };
          const source = createTokenSource(async () => ({ accessToken: token, expiresIn: 3600 }), {
            key: `test:otel-secret:${++keys}`,
          });
          const fetch = createFetch({
            baseUrl: partner.origin,
            auth: [telemetry.propagation, queryKey, tokenAuth({ source })],
            random: () => 0,
            onEvent: combineListeners(
              telemetry.onEvent,
              eventLogger(logger),
              consoleEventLogger({ write: (line) => lines.push(line) }),
            ),
          });
          const basic = createFetch({
            baseUrl: partner.origin,
            auth: [telemetry.propagation, basicAuth({ username: 'robot', password: secret(password) })],
            onEvent: combineListeners(
              telemetry.onEvent,
              consoleEventLogger({ write: (line) => lines.push(line) }),
            ),
          });
          await fetch('things?page=1').catch(() => undefined);
          await basic('things').catch(() => undefined);

          const spans = await otel.spans();
          expect(spans.length).toBeGreaterThanOrEqual(4);
          const texts = [
            ...spans.map((s) => JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events })),
            ...lines,
          ];
          const forbidden = [
            token,
            password,
            key,
            encodeURIComponent(key),
            Buffer.from(`robot:${password}`).toString('base64'),
          ];
          for (const text of texts) for (const value of forbidden) expect(text).not.toContain(value);
          // The lines cover the calls: both started and ended.
          expect(lines.filter((l) => l.includes('"request:end"')).length).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
