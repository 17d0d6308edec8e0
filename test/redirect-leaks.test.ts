/**
 * Redirect leak matrix: {301, 302, 303, 307, 308} × {API key in a header, API key in the query, bearer,
 * basic, OAuth token, HMAC signature, cookie}. The partner redirects to another origin on loopback (another
 * port, so another origin), echoing the query it received, as a careless partner does. The other origin
 * must see no credential of any kind: not in a header, not in the URL, not in the body. And a redirect from
 * https to http is refused before anything is sent.
 */

import { apiKeyAuth } from '@attache/api-key';
import {
  type AttacheEvent,
  type Authenticator,
  basicAuth,
  bearerAuth,
  createFetch,
  RedirectError,
  secret,
  type Transport,
} from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  json,
  type LoopbackServer,
  selfSignedCertificate,
  startHttpServer,
  startHttpsServer,
  trustingTransport,
} from './support/servers.ts';

const STATUSES = [301, 302, 303, 307, 308] as const;
/** Header names that carry credentials in any of the columns. None may reach the other origin. */
const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'signature',
  'signature-input',
  'dpop',
];

let partner: LoopbackServer;
let securePartner: LoopbackServer;
let other: LoopbackServer;
let tokenEndpoint: LoopbackServer;
let secure: { transport: Transport; close(): Promise<void> };
const issuedTokens: string[] = [];

function redirectTo(target: () => string) {
  return (request: { url: string }, response: import('node:http').ServerResponse) => {
    const url = new URL(request.url, 'http://partner.invalid');
    const status = Number(url.searchParams.get('status'));
    // A careless partner: the query it received goes on to the next origin as is.
    response.writeHead(status, { location: `${target()}/landing${url.search}` });
    response.end();
  };
}

beforeAll(async () => {
  other = await startHttpServer((_request, response) => json(response, 200, { landed: true }));
  partner = await startHttpServer(redirectTo(() => other.origin));
  const tls = selfSignedCertificate();
  securePartner = await startHttpsServer(
    tls,
    redirectTo(() => other.origin),
  );
  secure = trustingTransport(tls.cert);
  tokenEndpoint = await startHttpServer((_request, response) => {
    const token = `oauth-token-${crypto.randomUUID()}`;
    issuedTokens.push(token);
    json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
  });
});

afterAll(async () => {
  await Promise.all([partner.close(), securePartner.close(), other.close(), tokenEndpoint.close()]);
  await secure.close();
});

interface Column {
  readonly auth: Authenticator;
  /** Headers the caller adds itself (its own cookie). */
  readonly headers?: Record<string, string>;
  /** Every spelling of every credential of this column. */
  secrets(): string[];
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

const COLUMNS: Readonly<Record<string, (value: string) => Column>> = {
  'API key in a header': (value) => ({
    auth: apiKeyAuth({ key: secret(value) }),
    secrets: () => [value],
  }),
  'API key in the query': (value) => ({
    auth: apiKeyAuth({ key: secret(value), in: 'query' }),
    secrets: () => [value, encodeURIComponent(value)],
  }),
  bearer: (value) => ({
    auth: bearerAuth({ token: secret(value) }),
    secrets: () => [value],
  }),
  basic: (value) => ({
    auth: basicAuth({ username: 'robot', password: secret(value) }),
    secrets: () => [value, base64(`robot:${value}`)],
  }),
  'OAuth token': (value) => ({
    auth: clientCredentialsAuth({
      tokenEndpoint: `${tokenEndpoint.origin}/token`,
      clientId: `redirect-client-${counter}`,
      clientSecret: secret(value),
    }),
    secrets: () => [value, ...issuedTokens],
  }),
  'HMAC signature': (value) => ({
    auth: hmacAuth({ keyId: 'client-7', key: secret(value) }),
    // The key itself never travels; the signature headers are the credential (replayable in its window).
    secrets: () => [value],
  }),
  cookie: (value) => ({
    auth: apiKeyAuth({ key: secret(value), in: 'cookie', name: 'partner_key' }),
    headers: { cookie: `session=${value}-session` },
    secrets: () => [value, `${value}-session`],
  }),
};

let counter = 0;
function freshValue(): string {
  return `Cred${++counter}x${crypto.randomUUID().replaceAll('-', '')}`;
}

describe.each(Object.keys(COLUMNS))('redirects with %s', (column) => {
  it.each(STATUSES)('%i to another origin: that origin sees no credential', async (status) => {
    const value = freshValue();
    const setup = COLUMNS[column]!(value);
    const events: AttacheEvent[] = [];
    const partnerFetch = createFetch({
      baseUrl: partner.origin,
      auth: setup.auth,
      onEvent: (event) => events.push(event),
    });
    const before = { partner: partner.requests.length, other: other.requests.length };

    const response = await partnerFetch(`start?status=${status}&order=42`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...setup.headers },
      body: JSON.stringify({ order: 42 }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ landed: true });
    const atPartner = partner.requests.slice(before.partner);
    const atOther = other.requests.slice(before.other);
    expect(atPartner).toHaveLength(1);
    expect(atOther).toHaveLength(1);
    // The credential was really sent to the partner: the test would prove nothing otherwise.
    const secrets = setup.secrets();
    const sentToPartner = column === 'HMAC signature' ? atPartner[0]!.headers.signature : atPartner[0]!.raw;
    expect(sentToPartner).toBeDefined();
    if (column !== 'HMAC signature') expect(secrets.some((s) => atPartner[0]!.raw.includes(s))).toBe(true);

    const landed = atOther[0]!;
    for (const name of CREDENTIAL_HEADERS) expect(landed.headers[name], name).toBeUndefined();
    for (const s of secrets) expect(landed.raw).not.toContain(s);
    // The caller's own, non-credential query survives the hop.
    expect(landed.url).toContain('order=42');
    // 303 turns the call into a GET without body; 307 and 308 send the same method and body again.
    expect(landed.method).toBe(status === 303 ? 'GET' : 'PUT');
    expect(landed.body).toBe(status === 303 ? '' : '{"order":42}');

    expect(events).toContainEqual(
      expect.objectContaining({ type: 'redirect:followed', status, credentialsDropped: true }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'credential:withheld', origin: other.origin, reason: 'redirect' }),
    );
    for (const event of events) for (const s of secrets) expect(JSON.stringify(event)).not.toContain(s);
  });

  it.each(STATUSES)(
    '%i from https to http is refused, and nothing reaches the http origin',
    async (status) => {
      const value = freshValue();
      const setup = COLUMNS[column]!(value);
      const partnerFetch = createFetch({
        baseUrl: securePartner.origin,
        auth: setup.auth,
        transport: secure.transport,
      });
      const before = { partner: securePartner.requests.length, other: other.requests.length };

      const error = await partnerFetch(`start?status=${status}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...setup.headers },
        body: '{"order":42}',
      }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RedirectError);
      expect((error as Error).message).toMatch(/https to http/);
      expect(securePartner.requests.length - before.partner).toBe(1);
      expect(other.requests.length).toBe(before.other);
      for (const s of setup.secrets())
        expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(s);
    },
  );
});

describe('the token endpoint itself', () => {
  it.each(STATUSES)('never follows a %i: the client secret stays with the token endpoint', async (status) => {
    const value = freshValue();
    const redirecting = await startHttpServer((_request, response) => {
      response.writeHead(status, { location: `${other.origin}/steal-token` });
      response.end();
    });
    try {
      const auth = clientCredentialsAuth({
        tokenEndpoint: `${redirecting.origin}/token`,
        clientId: `redirected-${counter}`,
        clientSecret: secret(value),
        retry: false,
      });
      const before = other.requests.length;
      const error = await createFetch({ baseUrl: partner.origin, auth })('start?status=200').catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'TOKEN_ACQUISITION', status });
      expect(other.requests.length).toBe(before);
      expect(redirecting.requests).toHaveLength(1);
    } finally {
      await redirecting.close();
    }
  });
});
