import { inspect } from 'node:util';
import { type AttacheEvent, ConfigError, createMemoryTokenStore, secret } from '@attache/core';
import { mockAuthorizationServer } from '@attache/testing';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import {
  type ClientCredentialsAuthOptions,
  clientCredentialsAuth,
  clientSecretPost,
  tlsClientAuth,
} from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/token';
const base = { tokenEndpoint: TOKEN_URL, clientId: 'c', clientSecret: 's' } as const;
const server = useMswServer();

describe('clientCredentialsAuth validates its options at once, naming the field', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no clientId', { clientId: '' }, /clientId/],
    ['no credentials', { clientSecret: undefined }, /clientSecret or clientAuthentication is required/],
    ['both credentials', { clientAuthentication: clientSecretPost('x') }, /not both/],
    [
      'a made-up method',
      { clientSecret: undefined, clientAuthentication: { method: 'x' } },
      /clientAuthentication must come from/,
    ],
    ['no endpoint', { tokenEndpoint: undefined }, /issuer or tokenEndpoint/],
    [
      'an http token endpoint',
      { tokenEndpoint: 'http://auth.example/token' },
      /tokenEndpoint must be an absolute https URL/,
    ],
    [
      'credentials in the URL',
      { tokenEndpoint: 'https://u:p@auth.example/token' },
      /must not carry credentials/,
    ],
    ['an issuer with a query', { issuer: 'https://auth.example?x=1' }, /issuer must not have a query/],
    ['a scope with a quote', { scope: 'a"b' }, /not a valid scope token/],
    ['an empty scope in a list', { scope: ['a', ''] }, /scope must be/],
    ['a relative resource', { resource: '/api' }, /absolute URI/],
    ['a resource with a fragment', { resource: 'https://api.example/#x' }, /fragment/],
    ['a reserved extra param', { extraParams: { client_secret: 'x' } }, /extraParams.client_secret/],
    ['a non-string extra param', { extraParams: { n: 1 } }, /extraParams.n/],
    ['a bad retry', { retry: { retries: -1 } }, /retry.retries/],
    [
      'tls without a transport',
      { clientSecret: undefined, clientAuthentication: tlsClientAuth() },
      /needs a transport/,
    ],
    ['a bad token source option', { tokenSource: { expirySkew: -1 } }, /expirySkew/],
  ])('%s', (_name, change, message) => {
    expect(() => clientCredentialsAuth({ ...base, ...change } as ClientCredentialsAuthOptions)).toThrow(
      ConfigError,
    );
    expect(() => clientCredentialsAuth({ ...base, ...change } as ClientCredentialsAuthOptions)).toThrow(
      message,
    );
  });

  it('accepts loopback http for local servers', () => {
    expect(() =>
      clientCredentialsAuth({ ...base, tokenEndpoint: 'http://127.0.0.1:8080/token' }),
    ).not.toThrow();
    expect(() => clientCredentialsAuth({ ...base, tokenEndpoint: 'http://localhost/token' })).not.toThrow();
  });
});

describe('the token cache key', () => {
  it('is shared by equal clients and differs by scope, resource, audience and extra params', () => {
    const key = (change: Partial<ClientCredentialsAuthOptions> = {}) =>
      clientCredentialsAuth({ ...base, ...change } as ClientCredentialsAuthOptions).source.key;
    expect(key({ scope: 'b a' })).toBe(key({ scope: ['a', 'b'] }));
    expect(key({ scope: 'a' })).not.toBe(key({ scope: 'b' }));
    expect(key({ resource: 'https://x.example/' })).not.toBe(key({ resource: 'https://y.example/' }));
    expect(key({ audience: 'x' })).not.toBe(key());
    expect(key({ extraParams: { tenant: 'a' } })).not.toBe(key({ extraParams: { tenant: 'b' } }));
    expect(key({ tokenSource: { key: 'mine' } })).toBe('mine');
  });

  it('never contains the secret or extra param values', () => {
    const key = clientCredentialsAuth({
      ...base,
      clientSecret: 'hunter2-secret',
      extraParams: { tenant: 'tenant-value' },
    }).source.key;
    expect(key).not.toContain('hunter2');
    expect(key).not.toContain('tenant-value');
  });
});

describe('events and errors carry no credential', () => {
  it('token events, retry events and errors never show the secret or the token', async () => {
    const authorizationServer = mockAuthorizationServer({
      issuer: 'https://auth.partner.example',
      tokenEndpoint: TOKEN_URL,
      accessTokenLifetime: 60,
      clients: [{ clientId: 'events-client', clientSecret: 'the-client-secret-value' }],
    });
    server.use(...authorizationServer.handlers);
    authorizationServer.faults.failNext(1, 503, {
      retryAfter: 0,
      body: { error: 'temporarily_unavailable' },
    });
    const events: AttacheEvent[] = [];
    const auth = clientCredentialsAuth({
      ...base,
      clientId: 'events-client',
      clientSecret: secret('the-client-secret-value'),
      onEvent: (event) => events.push(event),
      tokenSource: { store: createMemoryTokenStore(), key: 'events-client' },
      retry: { minDelay: 1 },
    });
    const token = await auth.source.get();
    expect(events.map((e) => e.type)).toEqual(['retry:scheduled', 'token:request', 'token:acquired']);
    expect(authorizationServer.calls.token).toBe(2);
    const accessToken = authorizationServer.issued[0]?.accessToken ?? '';
    expect(token.value.reveal()).toBe(accessToken);
    const printed = [
      JSON.stringify(events),
      inspect(events, { depth: 5 }),
      inspect(token),
      JSON.stringify(token),
      inspect(auth, { depth: 5 }),
    ];
    for (const text of printed) {
      expect(text).not.toContain('the-client-secret-value');
      expect(text).not.toContain(accessToken);
    }
  });
});
