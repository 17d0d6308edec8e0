/**
 * Plain http: every authenticator refuses to send its credential over `http:` to a host that is not
 * loopback, before anything is sent (no request, no token fetch). Loopback hosts and hosts named in
 * `allowInsecureHosts` are the only exceptions. No traffic leaves the machine: the transport here is a
 * recorder that answers loopback requests itself.
 */

import { apiKeyAuth } from '@attache/api-key';
import {
  type Authenticator,
  basicAuth,
  bearerAuth,
  ConfigError,
  createClient,
  createFetch,
  createTokenSource,
  InsecureTransportError,
  secret,
  type Transport,
  tokenAuth,
} from '@attache/core';
import { toRequestInit } from '@attache/core/internal';
import { hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { describe, expect, it } from 'vitest';

const SECRET = 'Pl41nHttpS3cretValue';

/** Every authenticator, each with a way to tell whether it tried to get a credential from the network. */
function authenticators(): Record<string, { auth: Authenticator; fetchedTokens: () => number }> {
  let coreFetches = 0;
  let oauthFetches = 0;
  const tokenTransport: Transport = async () => {
    oauthFetches++;
    return Response.json({ access_token: SECRET, token_type: 'Bearer', expires_in: 60 });
  };
  const none = () => 0;
  return {
    'apiKeyAuth (header)': { auth: apiKeyAuth({ key: secret(SECRET) }), fetchedTokens: none },
    'apiKeyAuth (query)': { auth: apiKeyAuth({ key: secret(SECRET), in: 'query' }), fetchedTokens: none },
    'apiKeyAuth (cookie)': { auth: apiKeyAuth({ key: secret(SECRET), in: 'cookie' }), fetchedTokens: none },
    bearerAuth: { auth: bearerAuth({ token: secret(SECRET) }), fetchedTokens: none },
    basicAuth: { auth: basicAuth({ username: 'robot', password: secret(SECRET) }), fetchedTokens: none },
    'tokenAuth (createTokenSource)': {
      auth: tokenAuth({
        source: createTokenSource(async () => {
          coreFetches++;
          return { accessToken: secret(SECRET), expiresIn: 60 };
        }),
      }),
      fetchedTokens: () => coreFetches,
    },
    clientCredentialsAuth: {
      auth: clientCredentialsAuth({
        // The token endpoint is loopback (allowed); the resource server is what is refused.
        tokenEndpoint: 'http://127.0.0.1:9/token',
        clientId: `plain-http-${crypto.randomUUID()}`,
        clientSecret: secret(SECRET),
        transport: tokenTransport,
      }),
      fetchedTokens: () => oauthFetches,
    },
    hmacAuth: { auth: hmacAuth({ keyId: 'k1', key: secret(SECRET) }), fetchedTokens: none },
  };
}

function recorder(): { transport: Transport; sent: Request[] } {
  const sent: Request[] = [];
  return {
    sent,
    transport: async (outgoing) => {
      sent.push(new Request(outgoing.url, toRequestInit(outgoing)));
      return Response.json({ ok: true });
    },
  };
}

const NOT_LOOPBACK = [
  'partner.example',
  'partner.example:8080',
  '10.0.0.1',
  '192.168.1.10',
  '172.16.0.1',
  '169.254.169.254',
  '0.0.0.0',
  '[::ffff:127.0.0.1]',
  '[fe80::1]',
  '127.0.0.1.nip.io',
  'localhost.attacker.example',
  'localhost.',
];

const LOOPBACK = ['127.0.0.1', '127.8.9.10', 'localhost', '[::1]', '127.0.0.1:8443'];

describe.each(Object.keys(authenticators()))('%s over plain http', (name) => {
  it.each(NOT_LOOPBACK)('refuses http://%s before sending anything', async (host) => {
    const { auth, fetchedTokens } = authenticators()[name]!;
    const { transport, sent } = recorder();
    const partnerFetch = createFetch({ baseUrl: `http://${host}/api`, auth, transport });
    const error = await partnerFetch('orders', { method: 'POST', body: '{"a":1}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsecureTransportError);
    expect(sent).toHaveLength(0);
    expect(fetchedTokens()).toBe(0);
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(SECRET);
  });

  it('refuses it on the client face too (createClient)', async () => {
    const { auth } = authenticators()[name]!;
    const { transport, sent } = recorder();
    const client = createClient({ baseUrl: 'http://partner.example', auth, transport });
    await expect(client.get('orders')).rejects.toBeInstanceOf(InsecureTransportError);
    expect(sent).toHaveLength(0);
  });

  it.each(LOOPBACK)('sends to loopback http://%s', async (host) => {
    const { auth } = authenticators()[name]!;
    const { transport, sent } = recorder();
    const response = await createFetch({ baseUrl: `http://${host}`, auth, transport })('orders');
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(1);
  });

  it('sends to a host named in allowInsecureHosts, and to no other', async () => {
    const { auth } = authenticators()[name]!;
    const { transport, sent } = recorder();
    const named = createFetch({
      baseUrl: 'http://partner.internal',
      allowedOrigins: ['http://partner.internal', 'http://other.internal'],
      allowInsecureHosts: ['partner.internal'],
      auth,
      transport,
    });
    expect((await named('orders')).status).toBe(200);
    await expect(named('http://other.internal/orders')).rejects.toBeInstanceOf(InsecureTransportError);
    expect(sent.map((r) => new URL(r.url).host)).toEqual(['partner.internal']);
  });

  it('refuses a redirect from loopback to an allowed but non-loopback http origin', async () => {
    const { auth } = authenticators()[name]!;
    const sent: string[] = [];
    const transport: Transport = async (request) => {
      const url = new URL(request.url);
      sent.push(`${url.origin}${url.pathname}`);
      return new Response(null, { status: 307, headers: { location: 'http://partner.example/next' } });
    };
    const partnerFetch = createFetch({
      baseUrl: 'http://127.0.0.1:8080',
      allowedOrigins: ['http://127.0.0.1:8080', 'http://partner.example'],
      auth,
      transport,
    });
    await expect(partnerFetch('start')).rejects.toBeInstanceOf(InsecureTransportError);
    expect(sent).toEqual(['http://127.0.0.1:8080/start']);
  });
});

describe('token endpoints over plain http', () => {
  it.each(['http://auth.partner.example/token', 'http://10.1.2.3/token'])(
    'clientCredentialsAuth refuses the token endpoint %s at once',
    (tokenEndpoint) => {
      expect(() =>
        clientCredentialsAuth({ tokenEndpoint, clientId: 'c', clientSecret: secret(SECRET) }),
      ).toThrow(ConfigError);
    },
  );

  it('clientCredentialsAuth refuses a plain http issuer (discovery would send the secret after it)', () => {
    expect(() =>
      clientCredentialsAuth({
        issuer: 'http://auth.partner.example',
        clientId: 'c',
        clientSecret: secret(SECRET),
      }),
    ).toThrow(ConfigError);
  });
});
