import { createHash } from 'node:crypto';
// `@attache/api-key` is not a dependency of this package yet; its source is imported directly.
import { apiKeyAuth } from '@attache/api-key';
import {
  type AttacheEvent,
  bearerAuth,
  createClient,
  createFetch,
  NetworkError,
  secret,
  UnauthorizedError,
} from '@attache/core';
import { decodeJwt, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { getGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint, type MtlsTransport, mtlsTransport, TlsError } from '../src/index.ts';
import { type CertificateAuthority, createPki, type IssuedCertificate, type Pki } from './fixtures/pki.ts';
import { gate, type HttpsTestServer, type SeenRequest, startHttpsServer } from './support/https-server.ts';
import { outgoingOf } from './support/outgoing.ts';

const API_KEY = 'ak_live_5up3r53cr3t';
const PFX_PASSPHRASE = 'p12-passphrase';

let pki: Pki;
let ca: CertificateAuthority;
let alice: IssuedCertificate;
let bob: IssuedCertificate;
let partner: HttpsTestServer;
let authServer: HttpsTestServer;
let signingKeys: Awaited<ReturnType<typeof generateKeyPair>>;
const transports: MtlsTransport[] = [];
let slow = gate();
let dropNext = 0;

function thumbprintOf(seen: SeenRequest): string | undefined {
  return seen.clientCertificate && createHash('sha256').update(seen.clientCertificate).digest('base64url');
}

beforeAll(async () => {
  pki = await createPki();
  ca = await pki.ca('Partner Root CA');
  const serverCert = await pki.server(ca);
  [alice, bob] = await Promise.all([
    pki.client(ca, { cn: 'alice-corp', pfxPassphrase: PFX_PASSPHRASE }),
    pki.client(ca, { cn: 'bob-corp' }),
  ]);
  signingKeys = await generateKeyPair('ES256');

  partner = await startHttpsServer({
    cert: serverCert.cert,
    key: serverCert.key,
    ca: ca.cert,
    handler: async (request, response, seen) => {
      if (seen.path === '/flaky' && dropNext > 0) {
        dropNext--;
        request.socket.destroy();
        return;
      }
      if (seen.path === '/slow') await slow.wait;
      if (seen.path === '/moved') {
        response.writeHead(302, { location: '/accounts' }).end();
        return;
      }
      if (seen.path === '/bound') {
        // RFC 8705 §3: the token is only good together with the certificate it is bound to.
        const token = /^Bearer (.+)$/.exec(seen.headers.authorization ?? '')?.[1];
        const claims = token
          ? (await jwtVerify(token, signingKeys.publicKey).catch(() => undefined))?.payload
          : undefined;
        const bound = (claims?.cnf as Record<string, unknown> | undefined)?.['x5t#S256'];
        if (bound === undefined || bound !== thumbprintOf(seen)) {
          response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
          return;
        }
      }
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          cn: seen.cn,
          apiKey: seen.headers['x-api-key'] ?? null,
          method: seen.method,
          body: seen.body,
        }),
      );
    },
  });

  // A token endpoint that authenticates clients by their certificate (RFC 8705 tls_client_auth) and binds
  // the access token to it (cnf x5t#S256).
  const registered: Record<string, string> = { 'alice-client': 'CN=alice-corp', 'bob-client': 'CN=bob-corp' };
  authServer = await startHttpsServer({
    cert: serverCert.cert,
    key: serverCert.key,
    ca: ca.cert,
    handler: async (_request, response, seen) => {
      const form = new URLSearchParams(seen.body);
      const clientId = form.get('client_id') ?? '';
      const json = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify(body));
      };
      if (seen.path !== '/token' || form.get('grant_type') !== 'client_credentials') {
        json(400, { error: 'unsupported_grant_type' });
        return;
      }
      if (registered[clientId] !== `CN=${seen.cn}`) {
        json(401, {
          error: 'invalid_client',
          error_description: 'certificate subject does not match client_id',
        });
        return;
      }
      const cnf = { 'x5t#S256': thumbprintOf(seen) };
      const accessToken = await new SignJWT({
        client_id: clientId,
        scope: form.get('scope') ?? undefined,
        cnf,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(signingKeys.privateKey);
      json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300 });
    },
  });
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.destroy()));
  await Promise.all([partner?.close(), authServer?.close()]);
  await pki?.cleanup();
});

function aliceTransport(): MtlsTransport {
  const transport = mtlsTransport({ pfx: alice.pfx!, passphrase: secret(PFX_PASSPHRASE), ca: ca.cert });
  transports.push(transport);
  return transport;
}

function bobTransport(): MtlsTransport {
  const transport = mtlsTransport({ cert: bob.cert, key: secret(bob.key), ca: ca.cert });
  transports.push(transport);
  return transport;
}

describe('mTLS and an API key on one client', () => {
  it('through createClient: the server sees the client certificate and the key', async () => {
    const client = createClient({
      baseUrl: partner.url,
      auth: apiKeyAuth({ key: secret(API_KEY) }),
      transport: aliceTransport(),
    });
    expect(await client.get('accounts').json()).toEqual({
      cn: 'alice-corp',
      apiKey: API_KEY,
      method: 'GET',
      body: '',
    });
  });

  it('through createFetch: a POST body arrives byte for byte', async () => {
    const fetch = createFetch({
      baseUrl: partner.url,
      auth: apiKeyAuth({ key: secret(API_KEY) }),
      transport: bobTransport(),
    });
    const body = JSON.stringify({ amount: '12.50', currency: 'EUR', memo: 'zürich ✓' });
    const response = await fetch('payments', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(await response.json()).toEqual({ cn: 'bob-corp', apiKey: API_KEY, method: 'POST', body });
  });

  it('the pipeline follows redirects itself: the transport returns them untouched', async () => {
    const transport = aliceTransport();
    const raw = await transport(await outgoingOf(new Request(`${partner.url}/moved`)));
    expect(raw.status).toBe(302);
    expect(raw.headers.get('location')).toBe('/accounts');
    const events: AttacheEvent[] = [];
    const fetch = createFetch({ baseUrl: partner.url, transport, onEvent: (e) => events.push(e) });
    const followed = await fetch('moved');
    expect(followed.status).toBe(200);
    expect(events.filter((e) => e.type === 'redirect:followed')).toHaveLength(1);
  });

  it('a TLS failure surfaces from the pipeline as the TlsError, not retried', async () => {
    const noCertificate = mtlsTransport({ ca: ca.cert });
    transports.push(noCertificate);
    const fetch = createFetch({
      baseUrl: partner.url,
      auth: apiKeyAuth({ key: API_KEY }),
      transport: noCertificate,
      random: () => 0,
    });
    const handshakesBefore = partner.tlsErrors.length;
    const error = await fetch('accounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ reason: 'client-certificate-required' });
    expect(partner.tlsErrors.length - handshakesBefore).toBe(1);
    expect(JSON.stringify(error)).not.toContain(API_KEY);
  });

  it('a network failure becomes a NetworkError, which the pipeline retries', async () => {
    dropNext = 1;
    const events: AttacheEvent[] = [];
    const fetch = createFetch({
      baseUrl: partner.url,
      transport: bobTransport(),
      random: () => 0,
      onEvent: (e) => events.push(e),
    });
    const before = partner.seen.filter((s) => s.path === '/flaky').length;
    const response = await fetch('flaky');
    expect(response.status).toBe(200);
    expect(partner.seen.filter((s) => s.path === '/flaky').length - before).toBe(2);
    expect(events.filter((e) => e.type === 'retry:scheduled')).toEqual([
      expect.objectContaining({ reason: 'network', attempt: 1 }),
    ]);
  });

  it('without retries the NetworkError reaches the caller, its cause chain intact', async () => {
    dropNext = 1;
    const fetch = createFetch({ baseUrl: partner.url, transport: bobTransport(), retry: false });
    const error = await fetch('flaky').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    const cause = (error as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect((cause as { code?: string }).code).toBe('UND_ERR_SOCKET');
  });

  it("the caller's abort passes through as an abort", async () => {
    slow = gate();
    const fetch = createFetch({ baseUrl: partner.url, transport: bobTransport() });
    const controller = new AbortController();
    const before = partner.seen.length;
    const pending = fetch('slow', { signal: controller.signal }).catch((e: unknown) => e);
    await partner.received(before + 1);
    controller.abort();
    const error = await pending;
    expect(error).toMatchObject({ name: 'AbortError' });
    slow.open();
  });
});

describe('nothing process-global', () => {
  it('two clients with different certificates in one process each present their own, concurrently', async () => {
    const dispatcherBefore = getGlobalDispatcher();
    const aliceClient = createClient({ baseUrl: partner.url, transport: aliceTransport() });
    const bobClient = createClient({ baseUrl: partner.url, transport: bobTransport() });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? aliceClient : bobClient).get(`who/${i}`).json<{ cn: string }>(),
      ),
    );
    expect(results.map((r) => r.cn)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'alice-corp' : 'bob-corp')),
    );
    expect(getGlobalDispatcher()).toBe(dispatcherBefore);
    // The global fetch has no client certificate and does not trust the partner CA.
    await expect(globalThis.fetch(`${partner.url}/who`)).rejects.toThrow();
  });
});

describe('RFC 8705: tls_client_auth and certificate-bound tokens', () => {
  it("the token endpoint authenticates us by certificate; certificateThumbprint() equals the token's cnf", async () => {
    const transport = aliceTransport();
    const response = await transport(
      await outgoingOf(
        new Request(`${authServer.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: 'alice-client',
            scope: 'payments',
          }),
        }),
      ),
    );
    expect(response.status).toBe(200);
    const token = (await response.json()) as { access_token: string; token_type: string };
    expect(token.token_type).toBe('Bearer');
    const claims = decodeJwt(token.access_token) as { cnf?: Record<string, string>; client_id?: string };
    expect(claims.client_id).toBe('alice-client');
    expect(claims.cnf?.['x5t#S256']).toBe(certificateThumbprint(alice.cert));
    // The transport knows the thumbprint even for a PKCS#12 credential.
    expect((await transport.certificate())?.thumbprint).toBe(claims.cnf?.['x5t#S256']);
  });

  it('the wrong certificate for the client_id is refused by the token endpoint', async () => {
    const response = await bobTransport()(
      await outgoingOf(
        new Request(`${authServer.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'alice-client' }),
        }),
      ),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('a bound token works only over the certificate it is bound to', async () => {
    const issue = async (transport: MtlsTransport, clientId: string): Promise<string> => {
      const response = await transport(
        await outgoingOf(
          new Request(`${authServer.url}/token`, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }),
          }),
        ),
      );
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const aliceTls = aliceTransport();
    const aliceToken = await issue(aliceTls, 'alice-client');
    const asAlice = createClient({
      baseUrl: partner.url,
      auth: bearerAuth({ token: secret(aliceToken) }),
      transport: aliceTls,
    });
    expect(await asAlice.get('bound').json()).toMatchObject({ cn: 'alice-corp' });

    // The same token presented over Bob's connection is refused.
    const stolen = createClient({
      baseUrl: partner.url,
      auth: bearerAuth({ token: secret(aliceToken) }),
      transport: bobTransport(),
    });
    await expect(stolen.get('bound').json()).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
