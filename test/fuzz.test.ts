/**
 * Fuzzing (fast-check) of what a partner or an attacker controls: `WWW-Authenticate`, `Retry-After`,
 * token endpoint answers, and HMAC-signed requests and signature headers. The only outcomes allowed are a
 * result or one of Attaché's typed errors; nothing hangs (every async run has a time limit, and the
 * parsers get 100 kB adversarial inputs in a worker thread that is stopped from outside if it does not
 * finish).
 */
import { Worker } from 'node:worker_threads';
import {
  bearerAuth,
  createClient,
  createFetch,
  createTokenSource,
  globalFetchTransport,
  isAttacheError,
  secret,
  type Transport,
  tokenAuth,
} from '@attache/core';
import { parseRetryAfter, parseWwwAuthenticate } from '@attache/core/internal';
import { createHmacVerifier, type HmacRejectionReason, hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordUnhandledRejections } from './support/rejections.ts';
import { type LoopbackServer, startHttpServer } from './support/servers.ts';

const API = 'https://api.partner.test';
/** Every async run must settle within this, or the property fails. */
const RUN_LIMIT = { timeout: 3_000 } as const;

// --- generators ---------------------------------------------------------------------------------------

const tchar = fc.constantFrom(..."!#$%&'*+-.^_`|~abcXYZ019".split(''));
const token = fc.string({ unit: tchar, minLength: 1, maxLength: 12 });
const quoted = fc
  .string({ unit: fc.constantFrom('a', ' ', '"', '\\', ',', '=', 'é', '\t'), maxLength: 16 })
  .map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`);
const param = fc.tuple(token, fc.oneof(token, quoted)).map(([name, value]) => `${name}=${value}`);
const challenge = fc.oneof(
  fc
    .tuple(token, fc.array(param, { maxLength: 4 }))
    .map(([scheme, params]) => `${scheme} ${params.join(', ')}`),
  fc.tuple(token, fc.stringMatching(/^[A-Za-z0-9\-._~+/]+=*$/)).map(([scheme, t68]) => `${scheme} ${t68}`),
  fc.constantFrom('Bearer', 'Bearer error="invalid_token"', 'Bearer error="insufficient_scope", scope="a b"'),
);
/** Well-formed challenge lists, then the same with random damage, then anything at all. */
const wwwAuthenticate = fc.oneof(
  fc.array(challenge, { minLength: 1, maxLength: 3 }).map((list) => list.join(', ')),
  fc
    .tuple(fc.array(challenge, { minLength: 1, maxLength: 3 }), fc.nat(), fc.string({ maxLength: 4 }))
    .map(([list, at, junk]) => {
      const text = list.join(', ');
      const i = at % (text.length + 1);
      return text.slice(0, i) + junk + text.slice(i);
    }),
  fc.string({ maxLength: 200 }),
  fc.string({ maxLength: 200, unit: 'binary' }),
);

/** Header values fetch accepts (no CR, LF or NUL; Latin-1). */
function headerSafe(value: string): string {
  let safe = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    safe += code === 0 || code === 10 || code === 13 ? ' ' : code > 0xff ? '?' : char;
  }
  return safe;
}

const retryAfterValue = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.integer({ min: -1_000, max: 1_000 }).map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.constantFrom(
    '',
    ' 5 ',
    '1e3',
    '0x10',
    '9'.repeat(400),
    'Mon, 99 Foo 2024 99:99:99 GMT',
    '-0',
    'Infinity',
  ),
  fc.string({ maxLength: 40 }),
);

// --- WWW-Authenticate ------------------------------------------------------------------------------------

describe('WWW-Authenticate', () => {
  it('parses anything into well-formed challenges, never throwing', () => {
    fc.assert(
      fc.property(wwwAuthenticate, (header) => {
        const challenges = parseWwwAuthenticate(header);
        expect(Array.isArray(challenges)).toBe(true);
        for (const c of challenges) {
          expect(typeof c.scheme).toBe('string');
          expect(c.scheme).toBe(c.scheme.toLowerCase());
          expect(typeof c.params).toBe('object');
          for (const [name, value] of Object.entries(c.params)) {
            expect(name).toBe(name.toLowerCase());
            expect(typeof value).toBe('string');
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('a 401 with any WWW-Authenticate ends in a response (fetch) or a typed error (client), replayed at most once', async () => {
    await fc.assert(
      fc.asyncProperty(wwwAuthenticate, async (header) => {
        let sent = 0;
        let rotation = 0;
        const transport: Transport = async () => {
          sent++;
          return new Response(null, { status: 401, headers: { 'www-authenticate': headerSafe(header) } });
        };
        const auth = bearerAuth({ token: async () => `token-${rotation++}` });
        const response = await createFetch({ baseUrl: API, auth, transport })('me');
        expect(response.status).toBe(401);
        expect(sent).toBeLessThanOrEqual(2);
        const error = await createClient({ baseUrl: API, auth, transport })
          .get('me')
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isAttacheError(error)).toBe(true);
        expect(['UNAUTHORIZED', 'INSUFFICIENT_SCOPE']).toContain((error as { code: string }).code);
      }),
      { numRuns: 300, ...RUN_LIMIT },
    );
  });
});

// --- Retry-After -------------------------------------------------------------------------------------------

describe('Retry-After', () => {
  it('reads any value as undefined or a finite, non-negative delay', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('retry-after', 'retry-after-ms'),
        retryAfterValue,
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (name, value, now) => {
          const delay = parseRetryAfter(new Headers({ [name]: headerSafe(value) }), now);
          if (delay !== undefined) {
            expect(Number.isFinite(delay)).toBe(true);
            expect(delay).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('a 429 or 503 with any Retry-After ends inside the deadline: waited for, or handed back at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(429, 503),
        fc.constantFrom('retry-after', 'retry-after-ms'),
        retryAfterValue,
        async (status, name, value) => {
          let sent = 0;
          const transport: Transport = async () => {
            sent++;
            return sent === 1
              ? new Response(null, { status, headers: { [name]: headerSafe(value) } })
              : Response.json({ ok: true });
          };
          // Anything above 20 ms is not waited for: the response comes back at once.
          const options = {
            baseUrl: API,
            transport,
            timeout: 1_000,
            retry: { maxRetryAfter: 20, baseDelay: 1 },
          };
          const response = await createFetch(options)('orders');
          expect([status, 200]).toContain(response.status);
          expect(sent).toBeLessThanOrEqual(2);
          sent = 0;
          const error = await createClient(options)
            .get('orders')
            .json()
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          if (error !== undefined) {
            expect(isAttacheError(error)).toBe(true);
            expect(['RATE_LIMITED', 'HTTP_ERROR']).toContain((error as { code: string }).code);
          }
        },
      ),
      { numRuns: 300, ...RUN_LIMIT },
    );
  });
});

// --- token responses ---------------------------------------------------------------------------------------

const jsonish = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, '', 'x', [], {}),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);
/** Near-valid token responses: each field missing, of the wrong type, or odd. */
const tokenBody = fc.oneof(
  fc.record(
    {
      access_token: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._~-]{1,30}$/), jsonish),
      token_type: fc.oneof(
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'DPoP', 'mac', 'N_A', 'Bearer x', 'Bearer\r\nX: y'),
        jsonish,
      ),
      expires_in: fc.oneof(
        fc.integer({ min: -10, max: 1e9 }),
        fc.constantFrom('3600', ' 60 ', '1e3', '-5', 'soon'),
        jsonish,
      ),
      refresh_in: jsonish,
      scope: jsonish,
      error: fc.constantFrom('invalid_client', 'invalid_scope', 'server_error'),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);
const tokenAnswer = fc.record({
  status: fc.constantFrom(200, 200, 200, 201, 204, 301, 400, 401, 403, 429, 500, 503),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/html',
    'text/plain',
    '',
  ),
  body: fc.oneof(
    tokenBody.map((b) => JSON.stringify(b)),
    fc.constantFrom('', '<!doctype html><title>login</title>', '{"access_token":', 'null', '[]', '\uFEFF{}'),
    fc.string({ maxLength: 60 }),
  ),
  retryAfter: fc.option(retryAfterValue, { nil: undefined }),
});

let fuzzId = 0;

describe('token responses', () => {
  it('any token endpoint answer gives clientCredentialsAuth a usable token or a TokenAcquisitionError', async () => {
    await fc.assert(
      fc.asyncProperty(tokenAnswer, async (answer) => {
        const sentAuthorization: string[] = [];
        const transport: Transport = async (request) => {
          if (request.url.startsWith(API)) {
            sentAuthorization.push(request.headers.get('authorization') ?? '');
            return Response.json({ ok: true });
          }
          const headers: Record<string, string> = {};
          if (answer.contentType) headers['content-type'] = answer.contentType;
          if (answer.retryAfter !== undefined) headers['retry-after'] = headerSafe(answer.retryAfter);
          const noBody = answer.status === 204 || answer.status === 301;
          return new Response(noBody ? null : answer.body, { status: answer.status, headers });
        };
        const partnerFetch = createFetch({
          baseUrl: API,
          transport,
          auth: clientCredentialsAuth({
            tokenEndpoint: 'https://auth.partner.test/token',
            clientId: 'fuzz',
            clientSecret: secret('fuzz-secret'),
            transport,
            retry: { retries: 1, minDelay: 1, maxDelay: 2, maxRetryAfter: 5 },
            tokenSource: { key: `fuzz-${++fuzzId}`, fetchTimeout: 2_000 },
          }),
        });
        try {
          const response = await partnerFetch('orders');
          expect(response.status).toBe(200);
          // A token was accepted: it is exactly the endpoint's access_token, sent as Bearer.
          const body = JSON.parse(answer.body) as { access_token: string; token_type: string };
          expect(answer.status).toBeLessThan(300);
          expect(body.token_type.toLowerCase()).toBe('bearer');
          expect(sentAuthorization).toEqual([`Bearer ${body.access_token}`]);
        } catch (error) {
          expect(isAttacheError(error), String(error)).toBe(true);
          expect((error as { code: string }).code).toBe('TOKEN_ACQUISITION');
          expect(sentAuthorization).toEqual([]);
        }
      }),
      { numRuns: 400, ...RUN_LIMIT },
    );
  });

  it('anything a fetch function resolves with gives createTokenSource a token or a TokenAcquisitionError', async () => {
    const tokenResponse = fc.oneof(
      fc.anything(),
      fc.record(
        {
          accessToken: fc.oneof(fc.string({ maxLength: 20 }), fc.anything()),
          tokenType: fc.oneof(fc.string({ maxLength: 10 }), fc.anything()),
          expiresIn: fc.oneof(fc.double(), fc.string({ maxLength: 8 }), fc.anything()),
          refreshIn: fc.oneof(fc.double(), fc.string({ maxLength: 8 }), fc.anything()),
          serverDate: fc.oneof(
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toUTCString())),
            fc.anything(),
          ),
          extra: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(tokenResponse, async (value) => {
        const source = createTokenSource(async () => value as never);
        const partnerFetch = createFetch({
          baseUrl: API,
          auth: tokenAuth({ source }),
          transport: async () => Response.json({ ok: true }),
        });
        try {
          const token = await source.get();
          expect(token.value.reveal().length).toBeGreaterThan(0);
          expect(token.expiresAt).toBeGreaterThan(token.issuedAt);
          expect(token.refreshAt).toBeLessThanOrEqual(token.expiresAt);
          expect((await partnerFetch('orders')).status).toBe(200);
        } catch (error) {
          expect(isAttacheError(error), String(error)).toBe(true);
          expect((error as { code: string }).code).toBe('TOKEN_ACQUISITION');
        }
      }),
      { numRuns: 1_000, ...RUN_LIMIT },
    );
  });
});

// --- HMAC canonicalization -----------------------------------------------------------------------------------

const REJECTIONS: readonly HmacRejectionReason[] = [
  'missing-signature',
  'malformed-signature',
  'unknown-key',
  'unsupported-algorithm',
  'uncovered-component',
  'missing-timestamp',
  'expired',
  'future-timestamp',
  'missing-nonce',
  'replayed-nonce',
  'digest-mismatch',
  'signature-mismatch',
];

const KEY = 'hmac-fuzz-shared-secret';
const pathSegment = fc.oneof(
  fc.string({ maxLength: 8, unit: 'grapheme' }).map(encodeURIComponent),
  fc.string({ maxLength: 8, unit: fc.constantFrom(..."aZ09-._~!$&'()*+,;=:@%".split('')) }),
);
const queryPart = fc.string({
  maxLength: 8,
  unit: fc.constantFrom(..."aZ09 -._~!$'()*+,;:@/?%é€".split('')),
});
const signedRequest = fc.record({
  method: fc.constantFrom('GET', 'DELETE', 'POST', 'PUT', 'PATCH'),
  path: fc.array(pathSegment, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
  query: fc.array(fc.tuple(queryPart, queryPart), { maxLength: 5 }),
  rawQuery: fc.boolean(),
  body: fc.uint8Array({ maxLength: 256 }),
  contentType: fc.constantFrom('application/json', 'text/plain; charset=utf-8', 'application/octet-stream'),
  folded: fc.string({ maxLength: 10, unit: fc.constantFrom('a', ' ', '\t', 'b') }),
});

type SignedRequest = typeof signedRequest extends fc.Arbitrary<infer T> ? T : never;

function queryString(r: SignedRequest): string {
  if (r.query.length === 0) return '';
  // Either form-encoded, or written raw: the URL parser then percent-encodes what it must and keeps the rest
  // (including stray `%`), which is where a sloppy canonicalization would differ from the server's.
  return r.rawQuery
    ? `?${r.query.map(([n, v]) => `${n}=${v}`).join('&')}`
    : `?${new URLSearchParams(r.query).toString()}`;
}

/** The partner: a real loopback server that rebuilds the request from what arrived and verifies it. */
let partner: LoopbackServer;
let verdicts: { ok: boolean; reason?: string }[] = [];
const verifiers = {
  rfc9421: createHmacVerifier({ keys: { k1: KEY } }),
  simple: createHmacVerifier({
    scheme: 'simple',
    keys: { k1: KEY },
    signedHeaders: ['content-type', 'x-folded'],
  }),
};
let scheme: keyof typeof verifiers = 'rfc9421';

beforeAll(async () => {
  partner = await startHttpServer(async (request, response) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const rebuilt = new Request(`${partner.origin}${request.url}`, {
      method: request.method,
      headers,
      ...(hasBody ? { body: Buffer.from(request.body, 'latin1') } : {}),
    });
    const result = await verifiers[scheme].verify(rebuilt);
    verdicts.push(result.ok ? { ok: true } : { ok: false, reason: result.reason });
    response.writeHead(result.ok ? 200 : 401, { 'content-type': 'application/json' });
    response.end(JSON.stringify(result.ok ? { ok: true } : { reason: result.reason }));
  });
});

afterAll(async () => {
  await partner.close();
});

describe('HMAC canonicalization', () => {
  for (const which of ['rfc9421', 'simple'] as const) {
    it(`${which}: any request hmacAuth signs verifies at a real server; any change to what is signed is refused`, async () => {
      await fc.assert(
        fc.asyncProperty(signedRequest, fc.boolean(), async (r, tamper) => {
          scheme = which;
          verdicts = [];
          const signer = hmacAuth(
            which === 'simple'
              ? {
                  scheme: 'simple',
                  keyId: 'k1',
                  key: secret(KEY),
                  signedHeaders: ['content-type', 'x-folded'],
                }
              : { keyId: 'k1', key: secret(KEY) },
          );
          const hasBody = r.method !== 'GET' && r.method !== 'DELETE';
          // Tampering happens between signer and wire, as a proxy would do it: one body byte, or the query.
          const transport: Transport = async (outgoing) => {
            if (!tamper) return globalFetchTransport(outgoing);
            const bytes = hasBody
              ? new Uint8Array(await new Response(outgoing.body).arrayBuffer())
              : undefined;
            const url = new URL(outgoing.url);
            if (bytes !== undefined && bytes.length > 0) bytes[0] = (bytes[0]! + 1) % 256;
            else url.searchParams.append('tampered', '1');
            return fetch(url, {
              method: outgoing.method,
              headers: outgoing.headers,
              ...(bytes === undefined ? {} : { body: bytes }),
              redirect: 'manual',
            });
          };
          const partnerFetch = createFetch({
            baseUrl: partner.origin,
            auth: signer,
            transport,
            retry: false,
          });
          const response = await partnerFetch(`${partner.origin}${r.path}${queryString(r)}`, {
            method: r.method,
            headers: { 'content-type': r.contentType, 'x-folded': `a${r.folded}b` },
            ...(hasBody ? { body: r.body } : {}),
          });
          await response.arrayBuffer();
          expect(verdicts).toHaveLength(1);
          const verdict = verdicts[0]!;
          if (tamper) {
            expect(verdict.ok).toBe(false);
            expect(REJECTIONS).toContain(verdict.reason);
          } else {
            expect(verdict).toEqual({ ok: true });
          }
        }),
        { numRuns: 150, ...RUN_LIMIT },
      );
    });
  }

  it('simple: the order of query parameters does not matter; rfc9421 covers the exact target URI', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(queryPart, queryPart), { minLength: 2, maxLength: 5 }),
        async (pairs) => {
          const query = new URLSearchParams(pairs).toString();
          const reordered = query.split('&').reverse().join('&');
          for (const which of ['simple', 'rfc9421'] as const) {
            scheme = which;
            verdicts = [];
            const signer = hmacAuth(
              which === 'simple'
                ? {
                    scheme: 'simple',
                    keyId: 'k1',
                    key: secret(KEY),
                    signedHeaders: ['content-type', 'x-folded'],
                  }
                : { keyId: 'k1', key: secret(KEY) },
            );
            // A proxy that writes the query's pairs in another order.
            const transport: Transport = (request) => {
              const url = new URL(request.url);
              url.search = reordered;
              return fetch(url, { method: request.method, headers: request.headers });
            };
            const response = await createFetch({
              baseUrl: partner.origin,
              auth: signer,
              transport,
              retry: false,
            })(`search?${query}`);
            await response.arrayBuffer();
            const expected = which === 'simple' || reordered === query;
            expect(verdicts[0]?.ok, `${which}: ${query} → ${reordered} (${verdicts[0]?.reason})`).toBe(
              expected,
            );
          }
        },
      ),
      { numRuns: 100, ...RUN_LIMIT },
    );
  });

  it('any signature headers an attacker sends give a typed rejection, never an exception', async () => {
    const structured = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc
        .tuple(
          fc.constantFrom('sig1', 'sig2', 'x', ''),
          fc.array(
            fc.constantFrom(
              '"@method"',
              '"@path"',
              '"@query"',
              '"content-digest"',
              '"@query-param";name="a"',
              '"x"',
              '@bad',
              '"',
            ),
            { maxLength: 5 },
          ),
          fc.array(
            fc.constantFrom(
              ';created=1',
              ';created=-1',
              ';created=99999999999999999',
              ';keyid="k1"',
              ';keyid=k1',
              ';alg="hmac-sha256"',
              ';alg="rsa-pss-sha512"',
              ';nonce="n"',
              ';expires=0',
              ';tag=1.5',
              ';created=?1',
            ),
            { maxLength: 6 },
          ),
        )
        .map(([label, components, params]) => `${label}=(${components.join(' ')})${params.join('')}`),
    );
    const signature = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(fc.constantFrom('sig1', 'sig2', ''), fc.base64String({ maxLength: 60 }))
        .map(([l, b]) => `${l}=:${b}:`),
    );
    const simpleHeader = fc.option(fc.string({ maxLength: 30 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        structured,
        signature,
        fc.record({
          'x-key-id': simpleHeader,
          'x-timestamp': simpleHeader,
          'x-nonce': simpleHeader,
          'x-signature': simpleHeader,
        }),
        fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
        async (input, sig, simpleHeaders, digest) => {
          const headers = new Headers({ 'signature-input': headerSafe(input), signature: headerSafe(sig) });
          if (digest !== undefined) headers.set('content-digest', headerSafe(digest));
          for (const [name, value] of Object.entries(simpleHeaders)) {
            if (value !== undefined) headers.set(name, headerSafe(value));
          }
          const request = new Request('https://api.partner.test/x?a=1', {
            method: 'POST',
            headers,
            body: 'x',
          });
          for (const verifier of [verifiers.rfc9421, verifiers.simple]) {
            const result = await verifier.verify(request.clone());
            expect(result.ok).toBe(false);
            if (!result.ok) {
              expect(REJECTIONS).toContain(result.reason);
              expect(typeof result.message).toBe('string');
            }
          }
        },
      ),
      { numRuns: 1_000, ...RUN_LIMIT },
    );
  });
});

const rejections = recordUnhandledRejections();

// --- no hang ---------------------------------------------------------------------------------------------------

describe('no hang', () => {
  it('the parsers finish 100 kB adversarial inputs (in a worker that is stopped after 15 s)', async () => {
    const worker = new Worker(new URL('./fixtures/parse-worker.ts', import.meta.url), {
      execArgv: ['--conditions=@attache/source'],
    });
    const outcome = await new Promise<{ done: boolean; cases?: number; error?: string; slowest?: unknown }>(
      (resolve) => {
        const limit = setTimeout(
          () => resolve({ done: false, error: 'no answer within 15 s: a parser hangs' }),
          15_000,
        );
        worker.once('message', (message: { done: boolean }) => {
          clearTimeout(limit);
          resolve(message);
        });
        worker.once('error', (error) => {
          clearTimeout(limit);
          resolve({ done: false, error: String(error) });
        });
      },
    );
    await worker.terminate();
    expect(outcome.error).toBeUndefined();
    expect(outcome.done).toBe(true);
    expect(outcome.cases).toBe(32);
  }, 20_000);
});

describe('process', () => {
  it('saw no unhandled rejection during the whole file', async () => {
    await rejections.settle();
    expect(rejections.reasons).toEqual([]);
  });
});
