import { ConfigError, globalFetchTransport } from '@attache/core';
import { type MockAuthorizationServerOptions, mockAuthorizationServer } from '@attache/testing';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { clientCredentialsAuth, DiscoveryError, discover } from '../src/index.ts';

const server = useMswServer();
let issuers = 0;
afterEach(() => {
  server.events.removeAllListeners();
});

/** A fresh issuer per test: discovery caches per issuer for the life of the process. */
function issuer(path = ''): string {
  return `https://as${++issuers}.partner.example${path}`;
}

function metadataFor(id: string, extra: Record<string, unknown> = {}) {
  return { issuer: id, token_endpoint: `${id}/token`, jwks_uri: `${id}/jwks`, ...extra };
}

/** A mock authorization server for `id`, with these clients and options, in front of the other handlers. */
function authorizationServer(
  id: string,
  options: Omit<MockAuthorizationServerOptions, 'issuer' | 'clients'> = {},
  clients: MockAuthorizationServerOptions['clients'] = [],
) {
  const mock = mockAuthorizationServer({ issuer: id, clients, ...options });
  server.use(...mock.handlers);
  return mock;
}

function record(): string[] {
  const seen: string[] = [];
  server.events.on('request:start', ({ request }) => seen.push(`${request.method} ${request.url}`));
  return seen;
}

describe('discover', () => {
  it('inserts the well-known segment before the issuer path (RFC 8414 §3.1)', async () => {
    const id = issuer('/tenants/acme');
    const as = authorizationServer(id, { discovery: 'oauth' });
    expect(as.metadataUrl).toBe(`${new URL(id).origin}/.well-known/oauth-authorization-server/tenants/acme`);
    expect((await discover(id)).token_endpoint).toBe(`${id}/token`);
    expect(as.calls).toMatchObject({ oauthMetadata: 1, openidConfiguration: 0 });
  });

  it('falls back to the OpenID configuration, appended to the issuer path, on a 404', async () => {
    const id = issuer('/realms/partners');
    const { origin } = new URL(id);
    const seen = record();
    authorizationServer(id, { discovery: 'openid' });
    expect((await discover(id)).issuer).toBe(id);
    expect(seen).toEqual([
      `GET ${origin}/.well-known/oauth-authorization-server/realms/partners`,
      `GET ${id}/.well-known/openid-configuration`,
    ]);
  });

  it('refuses a document whose issuer differs, and does not fall back', async () => {
    const id = issuer();
    const as = authorizationServer(id, { metadata: { issuer: 'https://evil.example' } });
    const error = await discover(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'issuer_mismatch', issuer: id, isRetryable: false });
    expect(as.calls.discovery).toBe(1);
  });

  it('caches per issuer and shares one lookup between concurrent callers', async () => {
    const id = issuer();
    const as = authorizationServer(id);
    const results = await Promise.all(Array.from({ length: 10 }, () => discover(id)));
    await discover(id);
    expect(as.calls.discovery).toBe(1);
    expect(new Set(results).size).toBe(1);
    await discover(id, { cache: false });
    expect(as.calls.discovery).toBe(2);
  });

  it('fetches again after maxAge, and keeps the copy it holds when that refresh fails', async () => {
    const id = issuer();
    let hits = 0;
    let down = false;
    server.use(
      http.get(`${id}/.well-known/oauth-authorization-server`, () => {
        hits++;
        return down
          ? new HttpResponse('down', { status: 503 })
          : HttpResponse.json(metadataFor(id, { version: hits }));
      }),
    );
    const first = await discover(id, { maxAge: 40 });
    expect((await discover(id, { maxAge: 40 })).version).toBe(1);
    expect(hits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await discover(id, { maxAge: 40 })).version).toBe(2);
    expect(hits).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    down = true;
    // The refresh fails: the metadata held is still served, and the next call tries again.
    expect((await discover(id, { maxAge: 40 })).version).toBe(2);
    expect((await discover(id, { maxAge: 40 })).version).toBe(2);
    expect(hits).toBe(4);
    down = false;
    expect((await discover(id, { maxAge: 40 })).version).toBe(5);
    expect(first.version).toBe(1);
    await expect(discover(id, { maxAge: -1 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('a token endpoint that is gone sends the next token request through discovery again', async () => {
    const id = issuer();
    let moved = false;
    const hits = { metadata: 0, old: 0, new: 0 };
    server.use(
      http.get(`${id}/.well-known/oauth-authorization-server`, () => {
        hits.metadata++;
        return HttpResponse.json(metadataFor(id, moved ? { token_endpoint: `${id}/v2/token` } : {}));
      }),
      http.post(`${id}/token`, () => {
        hits.old++;
        return moved
          ? new HttpResponse('gone', { status: 404 })
          : HttpResponse.json({ access_token: 'a1', token_type: 'Bearer', expires_in: 3600 });
      }),
      http.post(`${id}/v2/token`, () => {
        hits.new++;
        return HttpResponse.json({ access_token: 'a2', token_type: 'Bearer', expires_in: 3600 });
      }),
    );
    const auth = clientCredentialsAuth({ issuer: id, clientId: 'c', clientSecret: 's', retry: false });
    expect((await auth.source.get()).value.reveal()).toBe('a1');
    moved = true;
    await auth.source.invalidate(await auth.source.get());
    await expect(auth.source.get()).rejects.toMatchObject({ status: 404 });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the source's back-off after a failure
    expect((await auth.source.get()).value.reveal()).toBe('a2');
    expect(hits).toEqual({ metadata: 2, old: 2, new: 1 });
  });

  it('does not cache failures; a 5xx is retryable', async () => {
    const id = issuer();
    const as = authorizationServer(id);
    as.faults.failNext(1, 503, { body: 'down' });
    await expect(discover(id)).rejects.toMatchObject({
      reason: 'unavailable',
      status: 503,
      isRetryable: true,
    });
    expect((await discover(id)).issuer).toBe(id);
    expect(as.calls.discovery).toBe(2);
  });

  it('reports neither document existing', async () => {
    const id = issuer();
    const as = authorizationServer(id, { discovery: 'none' });
    await expect(discover(id)).rejects.toMatchObject({ reason: 'not_found' });
    expect(as.calls).toMatchObject({ oauthMetadata: 1, openidConfiguration: 1 });
  });

  it.each([
    [
      'not JSON',
      () => new HttpResponse('<html>hi</html>', { headers: { 'content-type': 'text/html' } }),
      'an HTML page',
    ],
    ['no issuer', () => HttpResponse.json({ token_endpoint: 'https://x.example/token' }), 'issuer'],
    [
      'an http token endpoint',
      (id: string) => HttpResponse.json(metadataFor(id, { token_endpoint: 'http://as.example/token' })),
      'token_endpoint',
    ],
  ] as const)('refuses metadata with %s', async (_name, respond, mention) => {
    const id = issuer();
    server.use(http.get(`${id}/.well-known/oauth-authorization-server`, () => respond(id)));
    const error = await discover(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'invalid_metadata' });
    expect((error as Error).message).toContain(mention);
  });

  it.each(['http://as.example', 'https://as.example/?tenant=1', 'not a url'])(
    'refuses the issuer %s',
    async (bad) => {
      await expect(discover(bad)).rejects.toBeInstanceOf(ConfigError);
    },
  );
});

describe('clientCredentialsAuth with discovery', () => {
  it('uses mtls_endpoint_aliases.token_endpoint when a transport is given', async () => {
    const id = issuer();
    authorizationServer(id, {
      metadata: { mtls_endpoint_aliases: { token_endpoint: 'https://mtls.partner.example/token' } },
    });
    const sent: string[] = [];
    const auth = clientCredentialsAuth({
      issuer: id,
      clientId: 'mtls-client',
      clientSecret: 's',
      transport: (outgoing) => {
        sent.push(outgoing.url);
        return outgoing.url.endsWith('/token')
          ? Promise.resolve(HttpResponse.json({ access_token: 'at', token_type: 'Bearer', expires_in: 60 }))
          : globalFetchTransport(outgoing);
      },
    });
    await auth.source.get();
    expect(sent.at(-1)).toBe('https://mtls.partner.example/token');
  });

  it('uses the plain token endpoint without a transport, or with mtlsEndpointAliases: false', async () => {
    const id = issuer();
    const as = authorizationServer(
      id,
      { metadata: { mtls_endpoint_aliases: { token_endpoint: 'https://mtls.partner.example/token' } } },
      [
        { clientId: 'a', clientSecret: 's' },
        { clientId: 'b', clientSecret: 's' },
      ],
    );
    await expect(
      clientCredentialsAuth({ issuer: id, clientId: 'a', clientSecret: 's' }).source.get(),
    ).resolves.toBeDefined();
    await expect(
      clientCredentialsAuth({
        issuer: id,
        clientId: 'b',
        clientSecret: 's',
        transport: (outgoing) => globalFetchTransport(outgoing),
        mtlsEndpointAliases: false,
      }).source.get(),
    ).resolves.toBeDefined();
    expect(as.issued.map((token) => token.clientId)).toEqual(['a', 'b']);
  });

  it('reports metadata without a token endpoint', async () => {
    const id = issuer();
    authorizationServer(id, { metadata: { token_endpoint: undefined } });
    await expect(
      clientCredentialsAuth({ issuer: id, clientId: 'a', clientSecret: 's' }).source.get(),
    ).rejects.toMatchObject({
      name: 'DiscoveryError',
      reason: 'invalid_metadata',
    });
  });
});
