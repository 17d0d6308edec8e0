// The token endpoint a discovery document names is the server's text. One with user:password@ cannot be
// requested (fetch refuses it, quoting the URL with its password): it is unusable metadata, as one configured
// by hand is a ConfigError, and nothing is sent.
import { globalFetchTransport } from '@attache/core';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import { clientCredentialsAuth, DiscoveryError } from '../src/index.ts';

const server = useMswServer();
let issuers = 0;
afterEach(() => {
  server.events.removeAllListeners();
});

/** A fresh issuer whose RFC 8414 document carries `extra`; the requests made are recorded. */
function issuerWith(extra: Record<string, unknown>) {
  const issuer = `https://userinfo${++issuers}.partner.example`;
  server.use(
    http.get(`${issuer}/.well-known/oauth-authorization-server`, () =>
      HttpResponse.json({ issuer, token_endpoint: `${issuer}/token`, ...extra }),
    ),
  );
  const seen: string[] = [];
  server.events.on('request:start', ({ request }) => seen.push(`${request.method} ${request.url}`));
  return { issuer, seen };
}

describe('a token endpoint with user:password@ in the metadata', () => {
  it.each([
    ['user and password', 'https://admin:hunter2-pass@tokens.partner.example/token'],
    ['user only', 'https://hunter2-user@tokens.partner.example/token'],
    ['an empty user and a password', 'https://:hunter2-pass@tokens.partner.example/token'],
  ])('token_endpoint with %s: DiscoveryError invalid_metadata, nothing posted', async (_, endpoint) => {
    const { issuer, seen } = issuerWith({ token_endpoint: endpoint });
    const error = await clientCredentialsAuth({
      issuer,
      clientId: 'c',
      clientSecret: 'client-secret-1',
      retry: false,
    })
      .source.get()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'invalid_metadata', isRetryable: false });
    expect((error as Error).message).not.toContain('hunter2');
    expect(seen.filter((line) => line.startsWith('POST'))).toEqual([]);
  });

  it('the same for mtls_endpoint_aliases.token_endpoint, used with a transport', async () => {
    const { issuer, seen } = issuerWith({
      mtls_endpoint_aliases: { token_endpoint: 'https://admin:hunter2-pass@mtls.partner.example/token' },
    });
    const error = await clientCredentialsAuth({
      issuer,
      clientId: 'c',
      clientSecret: 'client-secret-1',
      retry: false,
      transport: (outgoing) => globalFetchTransport(outgoing),
    })
      .source.get()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'DiscoveryError', reason: 'invalid_metadata' });
    expect((error as Error).message).not.toContain('hunter2');
    expect(seen.filter((line) => line.startsWith('POST'))).toEqual([]);
  });
});
