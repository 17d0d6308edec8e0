import {
  type Authenticator,
  basicAuth,
  createClient,
  createFetch,
  RedirectError,
  type Transport,
} from '@attache/core';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalServer,
  selfSignedCertificate,
  startHttpServer,
  startHttpsServer,
} from './support/servers.ts';

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-signature', 'cookie', 'proxy-authorization'];

const headerAuth: Authenticator = {
  name: 'api-key-and-signature',
  sensitiveHeaders: ['x-api-key', 'x-signature'],
  attach(draft) {
    draft.headers.set('x-api-key', 'key-123');
    draft.headers.set('x-signature', `sig-for-${draft.url.pathname}`);
  },
};

let partner: LocalServer;
let other: LocalServer;

beforeAll(async () => {
  other = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"other":true}');
  });
  partner = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const status = Number(url.searchParams.get('status') ?? 302);
    if (url.pathname === '/elsewhere') {
      res.writeHead(status, { location: `${other.origin}/landing` });
      res.end();
    } else if (url.pathname === '/same-origin') {
      res.writeHead(status, { location: '/final' });
      res.end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"final":true}');
    }
  });
});

afterAll(async () => {
  await partner.close();
  await other.close();
});

describe('redirects followed by the pipeline (two real local servers)', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status} to another origin arrives there with none of the credential headers`, async () => {
      other.requests.length = 0;
      partner.requests.length = 0;
      const fetch = createFetch({
        baseUrl: partner.origin,
        auth: [headerAuth, basicAuth({ username: 'u', password: 'p' })],
      });
      const response = await fetch(`elsewhere?status=${status}`, {
        method: 'PUT',
        body: '{"a":1}',
        headers: { cookie: 'session=abc', 'proxy-authorization': 'Basic xyz', 'x-trace': 'keep-me' },
      });
      expect(response.status).toBe(200);
      expect(partner.requests[0]?.headers['x-api-key']).toBe('key-123');
      expect(partner.requests[0]?.headers.authorization).toMatch(/^Basic /);
      expect(other.requests).toHaveLength(1);
      const arrived = other.requests[0]!;
      for (const name of CREDENTIAL_HEADERS) expect(arrived.headers[name], name).toBeUndefined();
      expect(arrived.headers['x-trace']).toBe('keep-me');
      expect(arrived.method).toBe(status === 303 ? 'GET' : 'PUT');
    });
  }

  it("the caller's own credential-looking headers (x-api-key, api-key) do not follow a cross-origin hop", async () => {
    other.requests.length = 0;
    const fetch = createFetch({ baseUrl: partner.origin, auth: basicAuth({ username: 'u', password: 'p' }) });
    await fetch('elsewhere?status=302', {
      headers: { 'x-api-key': 'caller-key', 'api-key': 'k2', accept: 'text/plain' },
    });
    expect(other.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(other.requests[0]?.headers['api-key']).toBeUndefined();
    expect(other.requests[0]?.headers.accept).toBe('text/plain');
  });

  it('a same-origin redirect re-runs authenticators for the new URL', async () => {
    partner.requests.length = 0;
    const fetch = createFetch({ baseUrl: partner.origin, auth: headerAuth });
    const response = await fetch('same-origin?status=307');
    expect(response.status).toBe(200);
    expect(partner.requests.map((r) => r.headers['x-signature'])).toEqual([
      'sig-for-/same-origin',
      'sig-for-/final',
    ]);
  });

  it('a signer sees no body on the GET that a 303 turns the request into', async () => {
    const bodies: (number | null | undefined)[] = [];
    const signer: Authenticator = {
      name: 'body-recorder',
      signer: true,
      attach(draft) {
        bodies.push(draft.body === undefined || draft.body === null ? draft.body : draft.body.length);
      },
    };
    const fetch = createFetch({ baseUrl: partner.origin, auth: signer });
    expect((await fetch('same-origin?status=303', { method: 'POST', body: '12345' })).status).toBe(200);
    expect(bodies).toEqual([5, undefined]);
  });

  it('emits redirect:followed with credentialsDropped on a change of origin', async () => {
    const events: unknown[] = [];
    const fetch = createFetch({ baseUrl: partner.origin, auth: headerAuth, onEvent: (e) => events.push(e) });
    await fetch('elsewhere?status=302');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'redirect:followed', status: 302, credentialsDropped: true }),
    );
    expect(events).toContainEqual({
      type: 'credential:withheld',
      origin: other.origin,
      reason: 'redirect',
      callId: expect.any(String),
    });
  });

  it('stops after 10 hops with RedirectError', async () => {
    const client = createClient({ baseUrl: partner.origin, auth: headerAuth });
    await expect(client.get('loop')).rejects.toBeInstanceOf(RedirectError);
    const loops = partner.requests.filter((r) => r.url === '/loop');
    expect(loops.length).toBeGreaterThanOrEqual(11);
  });
});

describe('https → http', () => {
  let secure: LocalServer;
  let transport: Transport;
  let agent: Agent;

  beforeAll(async () => {
    const tls = selfSignedCertificate();
    secure = await startHttpsServer(tls, (_req, res) => {
      res.writeHead(302, { location: `${other.origin}/downgraded` });
      res.end();
    });
    agent = new Agent({ connect: { ca: tls.cert } });
    // undici's fetch takes url + init (not another implementation's Request).
    transport = async (outgoing) => {
      const body = outgoing.body instanceof Uint8Array ? outgoing.body : undefined;
      const response = await undiciFetch(outgoing.url, {
        method: outgoing.method,
        headers: [...outgoing.headers],
        ...(body === undefined ? {} : { body }),
        redirect: outgoing.redirect,
        ...(outgoing.signal ? { signal: outgoing.signal } : {}),
        dispatcher: agent,
      });
      return new Response(response.body as ReadableStream | null, {
        status: response.status,
        headers: [...response.headers],
      });
    };
  });

  afterAll(async () => {
    await secure.close();
    await agent.close();
  });

  it('a redirect from https to http is refused with RedirectError and nothing reaches the http server', async () => {
    other.requests.length = 0;
    const fetch = createFetch({ baseUrl: secure.origin, auth: headerAuth, transport });
    const error = await fetch('start').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectError);
    expect((error as Error).message).toMatch(/https to http/);
    expect(secure.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });
});
