/**
 * Redaction, as a property: for random credentials of every kind (API keys, bearer tokens, passwords,
 * client secrets, access tokens, HMAC keys, cookies, key passphrases), every error class Attaché throws and
 * every event type it emits is produced through real calls, and none of the credentials, in any spelling
 * that travelled (raw, percent-encoded, form-encoded, Base64 in Basic, the signature computed from the
 * key), appears in an error's message, stack, `String()`, `JSON.stringify` or `util.inspect` (cause chain
 * included), nor in any event. Partners here are hostile: they echo credentials back in error
 * descriptions, bodies and `Location` headers.
 */
import { createPrivateKey } from 'node:crypto';
import { inspect } from 'node:util';
import { apiKeyAuth } from '@attache/api-key';
import {
  type AttacheEvent,
  basicAuth,
  bearerAuth,
  ConfigError,
  createClient,
  createFetch,
  defineEndpoint,
  isAttacheError,
  secret,
  type Transport,
} from '@attache/core';
import { toRequestInit } from '@attache/core/internal';
import { hmacAuth } from '@attache/hmac';
import { type MtlsEvent, mtlsTransport } from '@attache/mtls-node';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { outgoingOf } from '../packages/mtls-node/test/support/outgoing.ts';
import {
  type LoopbackServer,
  selfSignedCertificate,
  startHttpServer,
  type TlsMaterial,
} from './support/servers.ts';

const API = 'https://api.partner.test';
const AUTH = 'https://auth.partner.test';

/** One random credential of each kind. */
interface Secrets {
  readonly apiKey: string;
  readonly bearer: string;
  readonly password: string;
  readonly clientSecret: string;
  readonly accessToken: string;
  readonly hmacKey: string;
  readonly cookie: string;
  readonly passphrase: string;
}

// Distinctive (a marker and at least 16 characters), so a match can only be a leak. Passwords and HMAC keys
// take any Unicode; the others travel in headers or URLs and keep to what those carry.
const visible = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{16,40}$/);
const unicode = fc.string({ minLength: 16, maxLength: 40, unit: 'grapheme' });
// basicAuth and client_secret_basic refuse controls, format characters, line and paragraph separators and lone
// surrogates in a password (mistakes such as a trailing newline read from a file): those are any other Unicode.
const sendable = unicode.filter((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(s));
const secretsArb: fc.Arbitrary<Secrets> = fc.record({
  apiKey: visible.map((s) => `Ak${s}`),
  bearer: visible.map((s) => `Bt${s}`),
  password: sendable.map((s) => `Pw${s}`),
  clientSecret: sendable.map((s) => `Cs${s}`),
  accessToken: visible.map((s) => `At${s}`),
  hmacKey: unicode.map((s) => `Hk${s}`),
  cookie: fc.stringMatching(/^[A-Za-z0-9._~-]{16,40}$/).map((s) => `Ck${s}`),
  passphrase: visible.map((s) => `Pp${s}`),
});

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Every spelling in which the credentials may have travelled. */
function spellings(s: Secrets, seenOnTheWire: readonly string[]): string[] {
  const values = Object.values(s) as string[];
  const forms = values.flatMap((v) => [
    v,
    encodeURIComponent(v),
    new URLSearchParams({ v }).toString().slice(2),
  ]);
  return [
    ...new Set([
      ...forms,
      base64(`robot:${s.password}`),
      base64(`${encodeURIComponent('client')}:${encodeURIComponent(s.clientSecret)}`),
      ...seenOnTheWire,
    ]),
  ].filter((v) => v.length >= 12);
}

function renderings(error: unknown): string[] {
  const e = error as Error;
  return [
    String(e?.message),
    String(e?.stack),
    String(error),
    JSON.stringify(error) ?? '',
    inspect(error, { depth: 8, showHidden: true }),
  ];
}

/** What the fake partner answers; it records every credential-bearing value it receives. */
type Route = (request: Request, body: string) => Response | Promise<Response>;

interface Run {
  readonly s: Secrets;
  readonly events: (AttacheEvent | MtlsEvent)[];
  readonly wire: string[];
  /** Errors a scenario met besides the one it returns; checked the same way. */
  readonly extraErrors: unknown[];
  transport(route: Route): Transport;
}

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie', 'signature', 'dpop'];

function newRun(s: Secrets): Run {
  const events: (AttacheEvent | MtlsEvent)[] = [];
  const wire: string[] = [];
  return {
    s,
    events,
    wire,
    extraErrors: [],
    transport: (route) => async (outgoing) => {
      const request = new Request(outgoing.url, toRequestInit(outgoing));
      for (const name of CREDENTIAL_HEADERS) {
        const value = request.headers.get(name);
        if (value !== null) wire.push(value, value.replace(/^\S+\s+/, ''));
      }
      for (const [, value] of new URL(request.url).searchParams) wire.push(value);
      const body = request.body === null ? '' : await request.text();
      if (request.signal.aborted) throw request.signal.reason;
      return route(request, body);
    },
  };
}

function hang(request: Request): Promise<Response> {
  return new Promise((_resolve, reject) => {
    request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
  });
}

/** A token endpoint that issues the run's access token. */
function tokenRoute(run: Run): Route {
  let issued = 0;
  // A new token each time (the first is the run's), so a 401 can be answered with a fresh one.
  return () =>
    Response.json({
      access_token: issued++ === 0 ? run.s.accessToken : `${run.s.accessToken}.${issued}`,
      token_type: 'Bearer',
      expires_in: 3600,
    });
}

let idCounter = 0;
function oauth(run: Run, route: Route, extra: { issuer?: string } = {}) {
  return clientCredentialsAuth({
    ...(extra.issuer === undefined ? { tokenEndpoint: `${AUTH}/token` } : { issuer: extra.issuer }),
    clientId: 'client',
    clientSecret: secret(run.s.clientSecret),
    transport: run.transport(route),
    retry: false,
    // A key per call: no token is shared between scenarios or runs.
    tokenSource: { key: `redaction-${++idCounter}` },
    onEvent: (event) => run.events.push(event),
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

let refusedOrigin: string;
let tls: TlsMaterial;

/** Each scenario produces one error class (and events along the way) from the run's secrets. */
const SCENARIOS: Readonly<Record<string, (run: Run) => Promise<unknown>>> = {
  async HttpError(run) {
    const client = createClient({
      baseUrl: API,
      auth: apiKeyAuth({ key: secret(run.s.apiKey) }),
      retry: false,
      // A hostile partner: its error body repeats the request's key.
      transport: run.transport((request) =>
        Response.json({ error: 'boom', echoed: request.headers.get('x-api-key') }, { status: 500 }),
      ),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(client.get('orders').json());
  },
  async UnauthorizedError(run) {
    const client = createClient({
      baseUrl: API,
      auth: bearerAuth({ token: secret(run.s.bearer) }),
      transport: run.transport(
        (request) =>
          new Response(`bad token ${request.headers.get('authorization')}`, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          }),
      ),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(client.get('me').json());
  },
  async InsufficientScopeError(run) {
    const client = createClient({
      baseUrl: API,
      auth: oauth(run, tokenRoute(run)),
      transport: run.transport(
        () =>
          new Response(null, {
            status: 403,
            headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="orders:write"' },
          }),
      ),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(client.post('orders', { json: { n: 1 } }).json());
  },
  async RateLimitedError(run) {
    const client = createClient({
      baseUrl: API,
      auth: apiKeyAuth({ key: secret(run.s.apiKey), in: 'query' }),
      transport: run.transport(
        (request) => new Response(request.url, { status: 429, headers: { 'retry-after': '3600' } }),
      ),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(client.get('orders?page=2').json());
  },
  async TokenAcquisitionError(run) {
    // The token endpoint echoes the client's credentials in its error description, in every spelling.
    const route: Route = (request, body) =>
      Response.json(
        {
          error: 'invalid_client',
          error_description: `rejected ${request.headers.get('authorization')} ${body} ${run.s.clientSecret}`,
        },
        { status: 401 },
      );
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: oauth(run, route),
      transport: run.transport(() => Response.json({})),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(partnerFetch('orders'));
  },
  async TokenResponseError(run) {
    const route: Route = () =>
      Response.json({ access_token: run.s.accessToken, token_type: 'Bearer', expires_in: 0 });
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: oauth(run, route),
      onEvent: (e) => run.events.push(e),
    });
    return rejection(partnerFetch('orders'));
  },
  async DiscoveryError(run) {
    const route: Route = () =>
      Response.json({ issuer: 'https://impostor.test', token_endpoint: `https://impostor.test/token` });
    const partnerFetch = createFetch({ baseUrl: API, auth: oauth(run, route, { issuer: AUTH }) });
    return rejection(partnerFetch('orders'));
  },
  async OriginNotAllowedError(run) {
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: basicAuth({ username: 'robot', password: secret(run.s.password) }),
      transport: run.transport(() => Response.json({})),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(
      partnerFetch(`https://elsewhere.test/x?access_token=${encodeURIComponent(run.s.accessToken)}`, {
        headers: { authorization: `Bearer ${run.s.bearer}`, cookie: `sid=${run.s.cookie}` },
      }),
    );
  },
  async InsecureTransportError(run) {
    const partnerFetch = createFetch({
      baseUrl: 'http://partner.example',
      auth: apiKeyAuth({ key: secret(run.s.apiKey), in: 'cookie' }),
      transport: run.transport(() => Response.json({})),
    });
    return rejection(
      partnerFetch(`orders?api_key=${encodeURIComponent(run.s.apiKey)}`, {
        headers: { cookie: `session=${run.s.cookie}`, 'x-api-key': run.s.apiKey },
      }),
    );
  },
  async RedirectError(run) {
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: [
        apiKeyAuth({ key: secret(run.s.apiKey), in: 'query' }),
        hmacAuth({ keyId: 'k', key: secret(run.s.hmacKey) }),
      ],
      maxRedirects: 2,
      // Redirects forever, repeating the query (and so the key) in every Location.
      transport: run.transport((request) => {
        const url = new URL(request.url);
        return new Response(null, { status: 302, headers: { location: `${API}/again${url.search}` } });
      }),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(partnerFetch('loop'));
  },
  async ResponseValidationError(run) {
    const client = createClient({
      baseUrl: API,
      auth: bearerAuth({ token: secret(run.s.bearer) }),
      // The partner hands back credentials in fields that fail the schema.
      transport: run.transport(() =>
        Response.json({ id: run.s.accessToken, kind: run.s.bearer, pin: run.s.password, n: run.s.apiKey }),
      ),
    });
    const me = defineEndpoint({
      method: 'GET',
      path: '/me',
      response: z.object({
        id: z.number(),
        kind: z.enum(['robot', 'human']),
        pin: z.string().regex(/^\d{4}$/),
        n: z.literal(7),
      }),
    });
    return rejection(client.call(me, {}));
  },
  async RequestValidationError(run) {
    const client = createClient({ baseUrl: API, transport: run.transport(() => Response.json({})) });
    const login = defineEndpoint({
      method: 'POST',
      path: '/login',
      body: z.object({ user: z.email(), password: z.string().max(8), otp: z.number() }),
    });
    return rejection(
      client.call(login, {
        body: { user: run.s.apiKey, password: run.s.password, otp: run.s.cookie as never },
      }),
    );
  },
  async ConfigError(run) {
    try {
      apiKeyAuth({ key: `${run.s.apiKey} \n${run.s.cookie}` });
    } catch (error) {
      return error;
    }
    throw new Error('expected a ConfigError');
  },
  async TimeoutError(run) {
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: [
        bearerAuth({ token: secret(run.s.bearer) }),
        hmacAuth({ keyId: 'k', key: secret(run.s.hmacKey) }),
      ],
      timeout: 20,
      transport: run.transport(hang),
      onEvent: (event) => run.events.push(event),
    });
    return rejection(partnerFetch('slow', { method: 'POST', body: run.s.password }));
  },
  async NetworkError(run) {
    // A real refused connection on loopback.
    const partnerFetch = createFetch({
      baseUrl: refusedOrigin,
      auth: [
        apiKeyAuth({ key: secret(run.s.apiKey), in: 'query' }),
        basicAuth({ username: 'robot', password: secret(run.s.password) }),
      ],
      retry: false,
      onEvent: (event) => run.events.push(event),
    });
    return rejection(partnerFetch(`orders?token=${encodeURIComponent(run.s.accessToken)}`));
  },
  async TlsError(run) {
    const encrypted = createPrivateKey(tls.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: run.s.passphrase,
    }) as string;
    // Rotation through a provider: the right passphrase loads (an event); the next material has a wrong one,
    // so `reload()` fails (an error) and so does the next interval check (an event); the agents close (events).
    let clock = 0;
    let current = { cert: tls.cert, key: secret(encrypted), passphrase: secret(run.s.passphrase) };
    const rotating = mtlsTransport({
      credentials: () => current,
      reloadInterval: 1_000,
      now: () => clock,
      onEvent: (event) => run.events.push(event),
    });
    await rotating.certificate();
    current = { ...current, passphrase: secret(`${run.s.passphrase}-wrong`) };
    run.extraErrors.push(await rejection(rotating.reload()));
    clock += 2_000;
    const sent = await rotating(
      await outgoingOf(new Request(`${refusedOrigin.replace('http:', 'https:')}/x`)),
    ).catch((e: unknown) => e);
    run.extraErrors.push(sent);
    await rotating.close();
    // Inline material with a wrong passphrase.
    try {
      const transport = mtlsTransport({
        cert: tls.cert,
        key: secret(encrypted),
        passphrase: secret(`${run.s.passphrase}-wrong`),
        onEvent: (event) => run.events.push(event),
      });
      return await rejection(
        createFetch({ baseUrl: refusedOrigin.replace('http:', 'https:'), transport })('x'),
      );
    } catch (error) {
      return error;
    }
  },
  async 'events only: retry, challenge, redirect, token'(run) {
    let step = 0;
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: [
        apiKeyAuth({ key: secret(run.s.apiKey), in: 'query' }),
        oauth(run, tokenRoute(run)),
        hmacAuth({ keyId: 'k', key: secret(run.s.hmacKey) }),
      ],
      random: () => 0,
      transport: run.transport((request) => {
        step++;
        if (step === 1) return new Response(null, { status: 503, headers: { 'retry-after-ms': '1' } });
        if (step === 2) {
          return new Response(null, {
            status: 401,
            headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="expired"` },
          });
        }
        if (request.url.startsWith(API)) {
          return new Response(null, {
            status: 302,
            headers: { location: `https://cdn.partner.test/file${new URL(request.url).search}` },
          });
        }
        return Response.json({ ok: true });
      }),
      onEvent: (event) => run.events.push(event),
    });
    const response = await partnerFetch('orders', { headers: { cookie: `sid=${run.s.cookie}` } });
    if (response.status !== 200) throw new Error(`expected 200, got ${response.status}`);
    return undefined;
  },
};

const EXPECTED_ERRORS = Object.keys(SCENARIOS).filter((name) => !name.startsWith('events'));
const EVENT_TYPES = [
  'request:start',
  'request:end',
  'attempt:start',
  'attempt:end',
  'retry:scheduled',
  'token:request',
  'token:acquired',
  'token:refresh-failed',
  'challenge:handled',
  'redirect:followed',
  'credential:withheld',
  'mtls:credentials-loaded',
  'mtls:certificate-not-valid',
  'mtls:reload-failed',
  'mtls:agent-closed',
];

let closedServer: LoopbackServer;
beforeAll(async () => {
  closedServer = await startHttpServer(() => undefined);
  refusedOrigin = closedServer.origin;
  await closedServer.close();
  tls = selfSignedCertificate();
});

afterAll(async () => {
  await closedServer.close();
});

describe('no credential in any error or event (property over random credentials)', () => {
  const errorNames = new Set<string>();
  const eventTypes = new Set<string>();

  it('holds for every scenario, every run', async () => {
    await fc.assert(
      fc.asyncProperty(secretsArb, async (s) => {
        const run = newRun(s);
        for (const [scenario, produce] of Object.entries(SCENARIOS)) {
          const error = await produce(run);
          if (!scenario.startsWith('events')) {
            // By class: `name` is checked on its own below.
            expect((error as object)?.constructor?.name, scenario).toBe(scenario);
            errorNames.add((error as object).constructor.name);
          }
          const forbidden = spellings(s, run.wire);
          const met = [...(error === undefined ? [] : [error]), ...run.extraErrors.splice(0)];
          for (const text of met.flatMap(renderings)) {
            for (const value of forbidden) {
              if (text.includes(value)) {
                throw new Error(
                  `${scenario}: a credential (${value.length} chars) appears in the error:\n${text}`,
                );
              }
            }
          }
        }
        const forbidden = spellings(s, run.wire);
        for (const event of run.events) {
          eventTypes.add(event.type);
          const texts = [JSON.stringify(event), inspect(event, { depth: 8, showHidden: true })];
          for (const text of texts) {
            for (const value of forbidden) {
              if (text.includes(value))
                throw new Error(`a credential appears in a ${event.type} event:\n${text}`);
            }
          }
        }
      }),
      { numRuns: 25 },
    );
    // The property covered every error class and every event type.
    expect([...errorNames].sort()).toEqual([...EXPECTED_ERRORS].sort());
    expect([...eventTypes].sort()).toEqual(expect.arrayContaining(EVENT_TYPES));
  }, 60_000);
});

// Gaps this suite found and that are now closed; each test guards its fix (docs/security.md, Closed gaps).
describe('closed gaps', () => {
  const apiKey = 'AkEchoedKey0123456789';
  const bearer = 'BtEchoedToken0123456789';

  // Was: TokenResponseError does not override `name` (packages/core/src/token/token-response-error.ts:21),
  // so its `name` and the first line of its stack say "TokenAcquisitionError".
  it('TokenResponseError names itself', async () => {
    const run = newRun({
      apiKey,
      bearer,
      password: 'Pw0123456789abcdef',
      clientSecret: 'Cs0123456789abcdef',
      accessToken: 'At0123456789abcdef',
      hmacKey: 'Hk0123456789abcdef',
      cookie: 'Ck0123456789abcdef',
      passphrase: 'Pp0123456789abcdef',
    });
    const error = (await SCENARIOS.TokenResponseError!(run)) as Error;
    expect(error.constructor.name).toBe('TokenResponseError');
    expect(error.name).toBe('TokenResponseError');
  });

  // Was: HttpError keeps the partner's response headers verbatim (packages/core/src/create-client.ts:84);
  // `url` is dropped for the query credential it may carry, but a Location or Content-Location repeating
  // the request URL carries the same credential, and `console.error(error)` prints it.
  it('an error response whose Location repeats the query key keeps it out of the error', async () => {
    const client = createClient({
      baseUrl: API,
      auth: apiKeyAuth({ key: secret(apiKey), in: 'query' }),
      transport: async (request) =>
        new Response(null, { status: 429, headers: { 'retry-after': '3600', location: request.url } }),
    });
    const error = await rejection(client.get('orders').json());
    expect(inspect(error, { depth: 8 })).not.toContain(apiKey);
  });

  // Same bug as above, for a WWW-Authenticate that repeats the token in error_description.
  it('a 401 whose WWW-Authenticate repeats the token keeps it out of the error', async () => {
    const client = createClient({
      baseUrl: API,
      auth: bearerAuth({ token: secret(bearer) }),
      transport: async (request) =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': `Bearer error="invalid_token", error_description="token ${request.headers.get('authorization')?.slice(7)} expired"`,
          },
        }),
    });
    const error = await rejection(client.get('me').json());
    expect(inspect(error, { depth: 8 })).not.toContain(bearer);
  });

  // Was: a URL with user:password (a common way to write Basic credentials, e.g. in an environment variable)
  // is accepted as baseUrl (packages/core/src/create-fetch.ts:231 keeps only its origin), and every call then
  // rejects with fetch's own TypeError, untyped, whose message quotes the URL with the password in it
  // (thrown by `new Request` at packages/core/src/create-fetch.ts:331; ky's own `new Request` on the client
  // face). The same happens for an absolute call URL that carries user:password.
  it('a baseUrl with user:password is refused at creation, naming the field, not the password', () => {
    let error: unknown;
    try {
      createFetch({
        baseUrl: `https://robot:${bearer}@api.partner.test`,
        auth: bearerAuth({ token: secret(bearer) }),
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const text of renderings(error)) expect(text).not.toContain(bearer);
  });

  it('a call URL with user:password fails with a typed error that does not quote the password', async () => {
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: bearerAuth({ token: secret('a-token-value') }),
      transport: async () => Response.json({}),
    });
    const error = await rejection(partnerFetch(`https://robot:${bearer}@api.partner.test/orders`));
    expect(isAttacheError(error)).toBe(true);
    for (const text of renderings(error)) expect(text).not.toContain(bearer);
  });

  // Was: the challenge:handled event copies the challenge's `error` parameter verbatim
  // (packages/core/src/create-fetch.ts:515); a partner that puts the token there puts it in the event.
  it('a challenge whose error parameter repeats the token keeps it out of the events', async () => {
    const events: AttacheEvent[] = [];
    let rotation = 0;
    const partnerFetch = createFetch({
      baseUrl: API,
      auth: bearerAuth({ token: async () => `${bearer}${rotation++}` }),
      onEvent: (event) => events.push(event),
      transport: async (request) =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': `Bearer error="${request.headers.get('authorization')?.slice(7)}"` },
        }),
    });
    await partnerFetch('me');
    expect(events.some((e) => e.type === 'challenge:handled')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(bearer);
  });
});
