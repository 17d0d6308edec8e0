import { type AttacheEvent, ConfigError, createFetch } from '@attache/core';
import { attacheTelemetry, combineListeners } from '@attache/otel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, sdk, serve } from './support/harness.ts';

let partner: Loopback;
beforeAll(async () => {
  partner = await serve((_request, _body, response) => response.end('{}'));
});
afterAll(async () => {
  await partner.close();
});

describe('attacheTelemetry and combineListeners: options and failures', () => {
  it('refuses options that are not what they should be', () => {
    expect(() => attacheTelemetry(null as never)).toThrow(ConfigError);
    expect(() => attacheTelemetry({ now: 5 as never })).toThrow(/now must be a function/);
  });

  it('combineListeners: one throwing consumer does not starve the others, nor the call', async () => {
    const seen: string[] = [];
    const fetch = createFetch({
      baseUrl: partner.origin,
      onEvent: combineListeners(
        () => {
          throw new TypeError('broken consumer');
        },
        undefined,
        (event: AttacheEvent) => seen.push(event.type),
      ),
    });
    expect((await fetch('x')).status).toBe(200);
    expect(seen).toEqual(['request:start', 'attempt:start', 'attempt:end', 'request:end']);
  });

  it('events that belong to no call, or to a call it never saw start, change no span and break nothing', async () => {
    const otel = sdk();
    const telemetry = attacheTelemetry({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    telemetry.onEvent({
      type: 'attempt:end',
      attempt: 1,
      hop: 0,
      resendCount: 0,
      durationMs: 1,
      callId: 'call-x',
    });
    telemetry.onEvent({
      type: 'request:end',
      method: 'GET',
      url: 'u',
      durationMs: 5,
      attempts: 1,
      status: 500,
    });
    telemetry.onEvent({ type: 'mtls:reload-failed', generation: 1, error: new ConfigError('bad pem') });
    telemetry.onEvent({ type: 'store:unavailable', store: 'redis', reason: 'timeout' });
    expect(await otel.spans()).toEqual([]);
    expect(await otel.metric('attache.client.call.duration')).toEqual([
      [{ 'http.request.method': 'GET', 'http.response.status_code': 500, 'error.type': '500' }, 1],
    ]);
    expect(await otel.metric('attache.mtls.reload_failures')).toEqual([[{}, 1]]);
    expect(await otel.metric('attache.token_store.unavailable')).toEqual([
      [{ 'attache.token_store.reason': 'timeout' }, 1],
    ]);
  });
});
