import {
  bearerAuth,
  ConfigError,
  createClient,
  createFetch,
  InsecureTransportError,
  OriginNotAllowedError,
} from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const server = useMswServer();
const TOKEN = 'tok_secret_value';
const auth = bearerAuth({ token: TOKEN });

/**
 * A partner at `baseUrl` answering every path under it. With `credential`, it accepts only requests that
 * carry `auth`'s token (its key guard reads `Authorization: Bearer …`), so an accepted call proves the
 * credential went there.
 */
function partner(baseUrl: string, { credential = true } = {}) {
  const api = mockPartnerApi({
    baseUrl,
    ...(credential ? { guards: { apiKey: { name: 'authorization', prefix: 'Bearer ', keys: TOKEN } } } : {}),
  });
  server.use(...api.handlers);
  return api;
}

describe('origin allow-list and plain http', () => {
  it('refuses a call to a non-allowed origin before anything is sent', async () => {
    // No handler: had anything been sent, msw would record it as unhandled and fail the test.
    const fetch = createFetch({ baseUrl: 'https://api.partner.test', auth });
    const error = await fetch('https://attacker.test/steal').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OriginNotAllowedError);
    expect((error as OriginNotAllowedError).origin).toBe('https://attacker.test');
    expect(JSON.stringify(error)).not.toContain('tok_secret_value');
  });

  it('allows the origins listed in allowedOrigins', async () => {
    const eu = partner('https://eu.partner.test');
    const client = createClient({
      baseUrl: 'https://api.partner.test',
      allowedOrigins: ['https://api.partner.test', 'https://eu.partner.test/'],
      auth,
    });
    expect(await client.get('https://eu.partner.test/ping').json()).toMatchObject({
      ok: true,
      path: '/ping',
    });
    expect(eu.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
  });

  it('refuses credentials over plain http to a non-loopback host', async () => {
    const fetch = createFetch({ baseUrl: 'http://api.partner.test', auth });
    const error = await fetch('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsecureTransportError);
    expect((error as InsecureTransportError).host).toBe('api.partner.test');
  });

  it('allows plain http to loopback and to hosts named in allowInsecureHosts', async () => {
    for (const origin of ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080']) {
      const api = partner(origin);
      expect((await createFetch({ baseUrl: origin, auth })('ok')).status).toBe(200);
      expect(api.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
    }
    const sandbox = partner('http://sandbox.partner.test');
    const named = createFetch({
      baseUrl: 'http://sandbox.partner.test',
      auth,
      allowInsecureHosts: ['sandbox.partner.test'],
    });
    expect((await named('ok')).status).toBe(200);
    expect(sandbox.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
  });

  it('without authenticators any origin may be called', async () => {
    const api = partner('https://public.test', { credential: false });
    expect((await createFetch()('https://public.test/x')).status).toBe(200);
    expect(api.calls.total).toBe(1);
  });

  it('refuses auth without an origin to bind it to', () => {
    expect(() => createFetch({ auth })).toThrow(ConfigError);
    expect(() => createFetch({ auth })).toThrow(/baseUrl or allowedOrigins/);
  });

  it('names the bad field in configuration errors', () => {
    expect(() => createFetch({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(() => createFetch({ baseUrl: 'https://a.test', timeout: -1 })).toThrow(/timeout/);
    expect(() => createFetch({ baseUrl: 'https://a.test', retry: { retries: -2 } })).toThrow(
      /retry\.retries/,
    );
    expect(() => createFetch({ baseUrl: 'https://a.test', allowedOrigins: ['ftp://x'] })).toThrow(
      /allowedOrigins/,
    );
    expect(() => createFetch({ baseUrl: 'https://a.test', auth: {} as never })).toThrow(/auth\[0\]/);
    expect(() => bearerAuth({ token: '' })).toThrow(/token/);
  });
});
