// The API-authentication note's scheme (preset 'api-key-hmac') against an independent implementation: the
// note's verifier and signer in Python 3's standard library (peers/api_key_hmac.py), over real HTTP on
// loopback, in both directions, for many random requests.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createFetch, secret } from '@attache/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import type { HmacVerifyResult } from '../src/verify-result.ts';

const PEER = fileURLToPath(new URL('./peers/api_key_hmac.py', import.meta.url));
const API_KEY = 'ak_live_partner_42';
const SECRET = 'note-shared-secret-0123456789abcdef';
const RUNS = 150;

interface RandomRequest {
  readonly method: 'GET' | 'DELETE' | 'POST' | 'PUT' | 'PATCH';
  readonly path: string;
  readonly body: Uint8Array;
}

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
  fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }).map(encodeURIComponent),
);
const query = fc.option(
  fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.string({ maxLength: 6 })), {
    minLength: 1,
    maxLength: 3,
  }),
  { nil: undefined },
);
const randomRequest: fc.Arbitrary<RandomRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'DELETE', 'POST', 'PUT', 'PATCH'),
    segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
    query,
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ method, segments, query, body }) => ({
    method,
    path: `/${segments.join('/')}` + (query === undefined ? '' : `?${new URLSearchParams(query).toString()}`),
    body: method === 'GET' || method === 'DELETE' ? new Uint8Array(0) : body,
  }));

function spawnPython(args: string[], input: unknown): ChildProcess {
  const child = spawn('python3', [PEER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.end(JSON.stringify(input));
  return child;
}

async function readAll(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  return out;
}

describe('Attaché signs, the note’s Python verifier checks', () => {
  let python: ChildProcess;
  let base: string;

  beforeAll(async () => {
    python = spawnPython(['serve'], { keys: { [API_KEY]: SECRET } });
    const [line] = (await once(python.stdout!.setEncoding('utf8'), 'data')) as [string];
    base = `http://127.0.0.1:${line.trim()}`;
  });
  afterAll(() => {
    python.kill();
  });

  const client = (options: { now?: () => number; nonce?: () => string; key?: string } = {}) =>
    createFetch({
      baseUrl: base,
      retry: false,
      ...(options.now ? { now: options.now } : {}),
      auth: hmacAuth({
        scheme: 'simple',
        preset: 'api-key-hmac',
        keyId: API_KEY,
        key: secret(options.key ?? SECRET),
        ...(options.nonce ? { nonce: options.nonce } : {}),
      }),
    });

  it(`accepts ${RUNS} random requests, byte for byte`, async () => {
    const fetch = client();
    const requests = fc.sample(randomRequest, { numRuns: RUNS, seed: 22 });
    for (const request of requests) {
      const response = await fetch(request.path, {
        method: request.method,
        ...(request.method === 'GET' || request.method === 'DELETE'
          ? {}
          : { body: new Uint8Array(request.body) }),
      });
      const answer = (await response.json()) as {
        ok: boolean;
        reason: string | null;
        path: string;
        body: string;
      };
      expect({ status: response.status, reason: answer.reason }).toEqual({ status: 200, reason: null });
      expect(Buffer.from(answer.body, 'base64')).toEqual(Buffer.from(request.body));
      expect(answer.path).toBe(new URL(request.path, base).pathname);
    }
  });

  it('refuses a wrong secret, a replayed nonce and a stale timestamp', async () => {
    const wrong = await client({ key: 'another-secret' })('/orders', { method: 'POST', body: '{}' });
    expect([wrong.status, ((await wrong.json()) as { reason: string }).reason]).toEqual([
      401,
      'bad signature',
    ]);

    const fixed = client({ nonce: () => 'same-nonce-every-time' });
    expect((await fixed('/orders/1')).status).toBe(200);
    const replay = await fixed('/orders/1');
    expect([replay.status, ((await replay.json()) as { reason: string }).reason]).toEqual([
      401,
      'replayed nonce',
    ]);

    const late = client({ now: () => Date.now() - 400_000 });
    const stale = await late('/orders/2', { retryOnUnauthorized: false });
    expect([stale.status, ((await stale.json()) as { reason: string }).reason]).toEqual([
      401,
      'stale timestamp',
    ]);
    // The server's Date header taught the clock: the one replay is signed with the corrected time.
    expect((await late('/orders/3')).status).toBe(200);
  });
});

describe('the note’s Python signer signs, Attaché’s verifier checks', () => {
  let server: Server;
  let base: string;
  const results: HmacVerifyResult[] = [];
  const verifier = createHmacVerifier({
    scheme: 'simple',
    preset: 'api-key-hmac',
    keys: { [API_KEY]: SECRET },
  });

  beforeAll(async () => {
    server = createServer(async (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const request = new Request(`${base}${incoming.url}`, { method: incoming.method!, headers });
      const result = await verifier.verify(request, { body: new Uint8Array(Buffer.concat(chunks)) });
      results.push(result);
      outgoing.writeHead(result.ok ? 200 : 401, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify(result.ok ? { ok: true } : { ok: false, reason: result.reason }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  it(`verifies ${RUNS} random Python-signed requests`, async () => {
    results.length = 0;
    const requests = fc.sample(randomRequest, { numRuns: RUNS, seed: 2222 });
    const python = spawnPython(['send', base], {
      api_key: API_KEY,
      secret: SECRET,
      requests: requests.map((r) => ({
        method: r.method,
        path: r.path,
        body: Buffer.from(r.body).toString('base64'),
      })),
    });
    const answers = JSON.parse(await readAll(python)) as { status: number; body: { reason?: string } }[];
    expect(answers.map((a) => a.body.reason ?? 'ok')).toEqual(requests.map(() => 'ok'));
    expect(results.filter((r) => r.ok)).toHaveLength(RUNS);
  });

  it('rejects what Python tampered with, replayed or dated outside the window, with the reason', async () => {
    const python = spawnPython(['send', base], {
      api_key: API_KEY,
      secret: SECRET,
      requests: [
        {
          method: 'POST',
          path: '/a',
          body: Buffer.from('{"n":1}').toString('base64'),
          tamper: Buffer.from('{"n":2}').toString('base64'),
        },
        { method: 'GET', path: '/b', nonce: 'n-1' },
        { method: 'GET', path: '/b', nonce: 'n-1' },
        { method: 'GET', path: '/c', skew: -301 - 5 },
        { method: 'GET', path: '/c', skew: 306 },
      ],
    });
    const answers = JSON.parse(await readAll(python)) as { status: number; body: { reason?: string } }[];
    expect(answers.map((a) => [a.status, a.body.reason ?? 'ok'])).toEqual([
      [401, 'signature-mismatch'],
      [200, 'ok'],
      [401, 'replayed-nonce'],
      [401, 'expired'],
      [401, 'future-timestamp'],
    ]);
  });
});
