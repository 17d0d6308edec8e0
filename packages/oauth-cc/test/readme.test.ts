import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mockAuthorizationServer, mockPartnerApi } from '@attache/testing';
import { base64url, EmbeddedJWK, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { checkedSnippets } from '../../../test/support/snippet-check.ts';
import { useMswServer } from '../../core/test/support/msw.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const PACKAGES = join(ROOT, 'packages');
const README = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const ISSUER = 'https://auth.partner.example';
const server = useMswServer();
const dir = mkdtempSync(join(tmpdir(), 'attache-oauth-cc-readme-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  server.events.removeAllListeners();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The README's runnable examples: every `ts` block that starts with an import. */
const examples = [...README.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((match) => match[1] ?? '')
  .filter((code) => code.startsWith('import '));

/** An example's code with the `@attache/*` imports pointed at this repository's sources. */
function fromSources(code: string): string {
  return code.replace(
    /from '@attache\/([a-z-]+)'/g,
    (_all, pkg: string) => `from ${JSON.stringify(join(PACKAGES, pkg, 'src/index.ts'))}`,
  );
}

async function runExample(index: number): Promise<void> {
  const file = join(dir, `example-${index}-${Date.now()}.ts`);
  writeFileSync(file, fromSources(examples[index] ?? ''));
  await import(pathToFileURL(file).href);
}

/** Discovery for the README's issuer, and a token endpoint handled by `token`. */
function authorizationServer(
  token: (request: Request, form: URLSearchParams) => Promise<Response> | Response,
) {
  server.use(
    http.get(`${ISSUER}/.well-known/oauth-authorization-server`, () =>
      HttpResponse.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth2/token` }),
    ),
    http.post(`${ISSUER}/oauth2/token`, async ({ request }) =>
      token(request, new URLSearchParams(await request.text())),
    ),
  );
}

describe('README examples run as written', () => {
  it('has the two examples this test expects', () => {
    expect(examples).toHaveLength(2);
  });

  it("type-check under the project's strict settings", async () => {
    // Checked with the other documentation snippets in one program (test/support/snippet-check-run.ts),
    // each example as its own file outside the workspace; any problem in the program counts, as in `tsc -p`.
    const checked = await checkedSnippets('oauth-cc-readme');
    expect(checked.files).toEqual(
      Object.fromEntries(examples.map((code, index) => [`example-${index}.ts`, fromSources(code)])),
    );
    expect(checked.problems).toEqual([]);
  }, 60_000);

  it('quick example: discovery, client_secret_basic with scope and resource, a bearer token to the partner', async () => {
    vi.stubEnv('PARTNER_CLIENT_SECRET', 'readme secret:+%');
    const as = mockAuthorizationServer({
      issuer: ISSUER,
      tokenEndpoint: `${ISSUER}/oauth2/token`,
      discovery: 'oauth',
      clients: [
        {
          clientId: 'billing-service',
          clientSecret: 'readme secret:+%',
          tokenEndpointAuthMethod: 'client_secret_basic',
          scopes: ['orders:read'],
          audiences: ['https://api.partner.example'],
        },
      ],
    });
    const api = mockPartnerApi({
      baseUrl: 'https://api.partner.example/v1',
      guards: {
        bearer: { authorizationServer: as, audience: 'https://api.partner.example', scopes: ['orders:read'] },
      },
      routes: { 'GET /orders': () => ({ orders: [{ id: 42 }] }) },
    });
    server.use(...as.handlers, ...api.handlers);
    // The exact encoding of the Basic credentials, which the mock server form-decodes like any server.
    const basic: (string | null)[] = [];
    server.events.on('request:start', ({ request }) => {
      if (request.url === as.tokenEndpoint) basic.push(request.headers.get('authorization'));
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    await runExample(0);

    expect(basic).toEqual([`Basic ${btoa('billing-service:readme%20secret%3A%2B%25')}`]);
    expect(as.issued).toHaveLength(1);
    expect(as.issued[0]).toMatchObject({ tokenType: 'Bearer', authMethod: 'client_secret_basic' });
    expect(Object.entries(as.issued[0]?.params ?? {})).toEqual([
      ['grant_type', ['client_credentials']],
      ['scope', ['orders:read']],
      ['resource', ['https://api.partner.example']],
    ]);
    // The one call carried the token just issued, for this audience and scope, as a Bearer token.
    expect(api.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
    expect(api.requests[0]?.clientId).toBe('billing-service');
    expect(log).toHaveBeenCalledWith(200, { orders: [{ id: 42 }] });
  });

  it('private_key_jwt + DPoP example: a signed assertion, a bound token, proofs at the partner', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    vi.stubEnv('PARTNER_CLIENT_KEY', await exportPKCS8(privateKey));
    authorizationServer(async (request, form) => {
      const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion') ?? '', publicKey, {
        audience: `${ISSUER}/oauth2/token`,
      });
      expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'billing-2026' });
      expect(payload).toMatchObject({ iss: 'billing-service', sub: 'billing-service' });
      expect(form.get('scope')).toBe('orders:read orders:write');
      const proof = await jwtVerify(request.headers.get('dpop') ?? '', EmbeddedJWK, { typ: 'dpop+jwt' });
      expect(proof.payload).toMatchObject({ htm: 'POST', htu: `${ISSUER}/oauth2/token` });
      return HttpResponse.json({ access_token: 'bound-token', token_type: 'DPoP', expires_in: 600 });
    });
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('bound-token')),
    );
    server.use(
      http.get('https://api.partner.example/v1/orders', async ({ request }) => {
        expect(request.headers.get('authorization')).toBe('DPoP bound-token');
        const proof = await jwtVerify(request.headers.get('dpop') ?? '', EmbeddedJWK, { typ: 'dpop+jwt' });
        expect(proof.payload).toMatchObject({
          htm: 'GET',
          htu: 'https://api.partner.example/v1/orders',
          ath: base64url.encode(digest),
        });
        return HttpResponse.json({ orders: [] });
      }),
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    await runExample(1);

    expect(log).toHaveBeenCalledWith({ orders: [] });
  });
});
