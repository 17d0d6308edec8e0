import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  HttpError,
  InsecureTransportError,
  InsufficientScopeError,
  NetworkError,
  OriginNotAllowedError,
  RateLimitedError,
  RedirectError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
  TokenAcquisitionError,
  UnauthorizedError,
} from '@attache/core';
import { type MockPartnerApiOptions, mockPartnerApi } from '@attache/testing';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkedSnippets } from '../../../test/support/snippet-check.ts';
import { DEFAULT_RETRY } from '../src/retry-policy.ts';
import { useMswServer } from './support/msw.ts';

// Every ```ts block marked `<!-- readme-test: name -->` in the README runs here exactly as written, and all of
// them are type-checked under the project's compiler settings: the README cannot drift from the code.
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const TEST_DIR = dirname(fileURLToPath(import.meta.url));
const TOKEN = 'readme-test-token';

/** The ```ts block that follows `<!-- readme-test: name -->`. */
async function readmeBlock(name: string): Promise<string> {
  const text = await readFile(README, 'utf8');
  const marker = `<!-- readme-test: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`README has no ${marker}`);
  const match = /^```ts\n([\s\S]*?)^```/m.exec(text.slice(at + marker.length));
  if (!match?.[1]) throw new Error(`no ts block after ${marker}`);
  return match[1];
}

async function markedBlockNames(): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  return [...text.matchAll(/<!-- readme-test: ([\w-]+) -->/g)].map((m) => m[1] ?? '');
}

/**
 * Runs a README block as a module and returns the top-level bindings named in `names`. The module is written
 * next to this test so `@attache/core` resolves as it does here, and removed at once.
 */
async function runBlock(name: string, names: readonly string[]): Promise<Record<string, unknown>> {
  const code = await readmeBlock(name);
  const file = join(TEST_DIR, `.readme-${name}-${randomUUID()}.ts`);
  await writeFile(file, `${code}\nexport { ${names.join(', ')} };\n`);
  try {
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  } finally {
    await rm(file, { force: true });
  }
}

const server = useMswServer();

/**
 * The partner's API at https://api.partner.example/v1 with `routes`. With `credential` (the default) it
 * accepts only requests carrying `Authorization: Bearer ${TOKEN}` (its key guard reads that header), so an
 * accepted call proves the README's code sent the token.
 */
function partner(routes: NonNullable<MockPartnerApiOptions['routes']>, { credential = true } = {}) {
  const api = mockPartnerApi({
    baseUrl: 'https://api.partner.example/v1',
    routes,
    ...(credential ? { guards: { apiKey: { name: 'authorization', prefix: 'Bearer ', keys: TOKEN } } } : {}),
  });
  server.use(...api.handlers);
  return api;
}

let previousToken: string | undefined;
beforeEach(() => {
  previousToken = process.env.PARTNER_TOKEN;
  process.env.PARTNER_TOKEN = TOKEN;
});
afterEach(() => {
  if (previousToken === undefined) delete process.env.PARTNER_TOKEN;
  else process.env.PARTNER_TOKEN = previousToken;
});

describe('README quick start', () => {
  it('## Quick start / `createFetch`: sends the bearer token and returns the order', async () => {
    const api = partner({ 'GET /orders/42': () => ({ id: '42', total: 12.5 }) });
    const { response, order } = await runBlock('quick-start-fetch', ['response', 'order']);
    expect((response as Response).status).toBe(200);
    expect(order).toEqual({ id: '42', total: 12.5 });
    expect(api.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
  });

  it('## Quick start / `createClient`: parses with the schema and retries the POST with one idempotency key', async () => {
    const posts: { key: string | null; body: unknown }[] = [];
    const api = partner({
      'GET /orders/42': () => ({ id: '42', total: 12.5, extra: 'dropped by the schema' }),
      'POST /orders': async ({ request }) => {
        posts.push({ key: request.headers.get('idempotency-key'), body: await request.json() });
        // `Retry-After: 0` keeps the retry immediate.
        return posts.length === 1
          ? new Response(null, { status: 503, headers: { 'retry-after': '0' } })
          : Response.json({ id: 'o-7', total: 12 }, { status: 201 });
      },
    });
    const { order, created } = await runBlock('quick-start-client', ['order', 'created']);
    expect(order).toEqual({ id: '42', total: 12.5 });
    expect(created).toEqual({ id: 'o-7', total: 12 });
    // Every request, the retried POST included, carried the token.
    expect(api.calls).toEqual({ total: 3, accepted: 3, rejected: 0, faulted: 0 });
    expect(posts).toHaveLength(2);
    expect(posts[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]).toEqual(posts[0]);
    expect(posts[0]).toMatchObject({ body: { total: 12 } });
  });

  it('## Typed endpoints: fills the path, sends query and body, returns parsed objects', async () => {
    const api = partner(
      {
        'GET /orders/:id': ({ params }) => ({ id: params.id, total: 12.5 }),
        'POST /orders': async ({ request }) => {
          const body = (await request.json()) as { total: number };
          return { id: 'draft', total: body.total };
        },
      },
      { credential: false },
    );
    const { order, draft } = await runBlock('typed-endpoints', ['order', 'draft']);
    expect(order).toEqual({ id: '42', total: 12.5 });
    expect(draft).toEqual({ id: 'draft', total: 12 });
    expect(api.requests.map((r) => r.url)).toEqual([
      'https://api.partner.example/v1/orders/42',
      'https://api.partner.example/v1/orders?dryRun=true',
    ]);
  });

  it('## Writing an authenticator / session: logs in again on 401 and replays once', async () => {
    let logins = 0;
    const sent: (string | null)[] = [];
    server.use(
      http.post('https://api.partner.example/sessions', () => {
        logins++;
        return HttpResponse.json({ id: `s-${logins}` });
      }),
      http.get('https://api.partner.example/orders', ({ request }) => {
        const session = request.headers.get('x-session-id');
        sent.push(session);
        // The first session has expired on the server.
        return session === 's-1'
          ? new HttpResponse(null, { status: 401 })
          : HttpResponse.json([{ id: 'o-1' }]);
      }),
    );
    const { response } = await runBlock('custom-authenticator', ['response']);
    expect((response as Response).status).toBe(200);
    expect(await (response as Response).json()).toEqual([{ id: 'o-1' }]);
    expect(sent).toEqual(['s-1', 's-2']);
    expect(logins).toBe(2);
  });

  it('## Writing an authenticator / signer: hashes the exact body bytes and stamps the time', async () => {
    const checks: { digest: string | null; expected: string; timestamp: string | null }[] = [];
    server.use(
      http.put('https://api.partner.example/orders', async ({ request }) => {
        const bytes = new Uint8Array(await request.arrayBuffer());
        const expected = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('base64');
        checks.push({
          digest: request.headers.get('x-content-sha256'),
          expected,
          timestamp: request.headers.get('x-timestamp'),
        });
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const before = Math.floor(Date.now() / 1000);
    const { response } = await runBlock('signer', ['response']);
    expect((response as Response).status).toBe(204);
    expect(checks).toHaveLength(1);
    expect(checks[0]?.digest).toBe(checks[0]?.expected);
    expect(Number(checks[0]?.timestamp)).toBeGreaterThanOrEqual(before);
  });

  it('## Using `createFetch` with other libraries / ky: one retry inside the pipeline, ky adds none', async () => {
    let n = 0;
    const api = partner({
      'GET /orders': () =>
        ++n === 1 ? new Response(null, { status: 503, headers: { 'retry-after': '0' } }) : [{ id: 'o-1' }],
    });
    const { orders } = await runBlock('ky', ['orders']);
    expect(orders).toEqual([{ id: 'o-1' }]);
    // Two requests, both with the token: the pipeline's one retry, none from ky.
    expect(api.calls).toEqual({ total: 2, accepted: 2, rejected: 0, faulted: 0 });
  });
});

describe('README examples type-check', () => {
  it('every marked block compiles under the project’s strict settings', async () => {
    const names = await markedBlockNames();
    expect(names).toEqual([
      'quick-start-fetch',
      'quick-start-client',
      'typed-endpoints',
      'custom-authenticator',
      'signer',
      'ky',
    ]);
    // Checked with the other documentation snippets in one program (test/support/snippet-check-run.ts),
    // each block as its own file inside this package, so `@attache/core` resolves as it does here.
    const checked = await checkedSnippets('core-readme');
    const blocks = await Promise.all(names.map(async (name) => [`${name}.ts`, await readmeBlock(name)]));
    expect(checked.files).toEqual(Object.fromEntries(blocks));
    expect(checked.problems).toEqual([]);
  }, 60_000);
});

describe('README tables match the code', () => {
  it('## Options / RetryOptions lists the defaults the pipeline uses', async () => {
    const text = await readFile(README, 'utf8');
    const ms = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '_');
    const rows = [
      `| \`retries\` | \`${DEFAULT_RETRY.retries}\` |`,
      `| \`statuses\` | \`[${[...DEFAULT_RETRY.statuses].join(', ')}]\` |`,
      `| \`methods\` | \`[${[...DEFAULT_RETRY.methods].map((m) => `'${m}'`).join(', ')}]\` |`,
      `| \`baseDelay\` | \`${ms(DEFAULT_RETRY.baseDelay)}\` |`,
      `| \`maxDelay\` | \`${ms(DEFAULT_RETRY.maxDelay)}\` |`,
      `| \`maxRetryAfter\` | \`${ms(DEFAULT_RETRY.maxRetryAfter)}\` |`,
      `| \`networkErrors\` | \`${DEFAULT_RETRY.networkErrors}\` |`,
    ];
    for (const row of rows) expect(text).toContain(row);
  });

  it('## Errors lists every error class with the code it carries', async () => {
    const text = await readFile(README, 'utf8');
    const response = new Response(null, { status: 500 });
    const errors = [
      new HttpError('m', { response }),
      new UnauthorizedError('m', { response }),
      new InsufficientScopeError('m', { response }),
      new RateLimitedError('m', { response }),
      new TokenAcquisitionError('m'),
      new OriginNotAllowedError('https://elsewhere.example'),
      new InsecureTransportError('partner.example'),
      new RedirectError('m'),
      new RequestValidationError('m', []),
      new ResponseValidationError('m', []),
      new ConfigError('m'),
      new TimeoutError('m'),
      new NetworkError('m'),
    ];
    for (const error of errors) expect(text).toContain(`| \`${error.name}\` | \`${error.code}\` |`);
  });
});
