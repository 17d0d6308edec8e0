import { ConfigError, createFetch, secret, TokenAcquisitionError } from '@attache/core';
import { jwtBearerAuth, publicClient, tokenExchangeAuth } from '@attache/oauth-cc';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../../test/support/msw.ts';

const TOKEN = 'https://auth.partner.test/oauth/token';
const API = 'https://api.partner.test';
const server = useMswServer();

function tokenEndpoint(check: (form: URLSearchParams, request: Request) => void) {
  const forms: URLSearchParams[] = [];
  let issued = 0;
  server.use(
    http.post(TOKEN, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      forms.push(form);
      check(form, request);
      if (form.get('subject_token') === 'revoked' || form.get('assertion') === 'revoked') {
        return HttpResponse.json({ error: 'invalid_grant', error_description: 'no' }, { status: 400 });
      }
      return HttpResponse.json({ access_token: `at-${++issued}`, token_type: 'Bearer', expires_in: 3600 });
    }),
    http.get(`${API}/me`, ({ request }) =>
      request.headers.get('authorization') === `Bearer at-${issued}`
        ? HttpResponse.json({ ok: true })
        : new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          }),
    ),
  );
  return forms;
}

describe('tokenExchangeAuth (RFC 8693)', () => {
  it('sends the grant with the current subject token, once for concurrent calls', async () => {
    let reads = 0;
    const forms = tokenEndpoint((form, request) => {
      expect(request.headers.get('authorization')).toBe(`Basic ${btoa('orders:s3cret')}`);
      expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:token-exchange');
    });
    const auth = tokenExchangeAuth({
      tokenEndpoint: TOKEN,
      clientId: 'orders',
      clientSecret: secret('s3cret'),
      subjectToken: async () => secret(`subject-${++reads}`),
      actorToken: 'actor-jwt',
      actorTokenType: 'urn:ietf:params:oauth:token-type:jwt',
      requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'partner-api',
      scope: ['orders:read'],
      tokenSource: { key: `exchange:${Math.random()}` },
    });
    const fetch = createFetch({ baseUrl: API, auth });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch('me').then((r) => r.status)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(forms).toHaveLength(1);
    expect(Object.fromEntries(forms[0]!)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      scope: 'orders:read',
      audience: 'partner-api',
      subject_token: 'subject-1',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      actor_token: 'actor-jwt',
      actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    // A 401 drops the token; the next exchange reads the subject token again.
    await auth.source.invalidate(await auth.source.get());
    expect((await fetch('me')).status).toBe(200);
    expect(forms.map((f) => f.get('subject_token'))).toEqual(['subject-1', 'subject-2']);
  });

  it('a rejected exchange is a TokenAcquisitionError that quotes no token', async () => {
    tokenEndpoint(() => {});
    const auth = tokenExchangeAuth({
      tokenEndpoint: TOKEN,
      clientId: 'orders',
      clientSecret: 's3cret',
      subjectToken: 'revoked',
      tokenSource: { key: `exchange:${Math.random()}` },
    });
    const error = await createFetch({ baseUrl: API, auth })('me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect((error as TokenAcquisitionError).error).toBe('invalid_grant');
    expect((error as Error).message).not.toContain('s3cret');
  });

  it.each([
    ['an empty subject token', { subjectToken: '' }],
    ['a subject token type that is not a URI', { subjectToken: 't', subjectTokenType: 'access token' }],
    ['no client authentication', { subjectToken: 't', clientSecret: undefined }],
  ])('refuses %s', (_name, extra) => {
    expect(() =>
      tokenExchangeAuth({ tokenEndpoint: TOKEN, clientId: 'orders', clientSecret: 's', ...extra } as never),
    ).toThrow(ConfigError);
  });

  it('a provider that gives nothing is a ConfigError naming the field, and nothing is sent', async () => {
    const forms = tokenEndpoint(() => {});
    for (const given of [undefined, null, '', 42]) {
      const auth = tokenExchangeAuth({
        tokenEndpoint: TOKEN,
        clientId: 'orders',
        clientSecret: 's',
        subjectToken: async () => given as never,
        tokenSource: { key: `exchange:${Math.random()}` },
      });
      const error = await createFetch({ baseUrl: API, auth })('me').catch((e: unknown) => e);
      expect(String((error as Error).message)).toMatch(/subjectToken/);
    }
    expect(forms).toHaveLength(0);
  });
});

describe('jwtBearerAuth (RFC 7523)', () => {
  it('presents the assertion a provider gives (a workload token), as a public client', async () => {
    let platformToken = 'eyJ.workload-1.sig';
    const forms = tokenEndpoint((form, request) => {
      expect(request.headers.get('authorization')).toBeNull();
      expect(form.get('client_id')).toBe('ci-runner');
    });
    const auth = jwtBearerAuth({
      tokenEndpoint: TOKEN,
      clientId: 'ci-runner',
      clientAuthentication: publicClient(),
      assertion: () => platformToken,
      tokenSource: { key: `jwt-bearer:${Math.random()}` },
    });
    const fetch = createFetch({ baseUrl: API, auth });
    expect((await fetch('me')).status).toBe(200);
    // The platform rotates its token; the next token request presents the new one.
    platformToken = 'eyJ.workload-2.sig';
    await auth.source.invalidate(await auth.source.get());
    expect((await fetch('me')).status).toBe(200);
    expect(forms.map((f) => [f.get('grant_type'), f.get('assertion')])).toEqual([
      ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'eyJ.workload-1.sig'],
      ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'eyJ.workload-2.sig'],
    ]);
  });

  it('refuses a missing assertion', () => {
    expect(() => jwtBearerAuth({ tokenEndpoint: TOKEN, clientId: 'x', clientSecret: 's' } as never)).toThrow(
      /assertion/,
    );
  });
});
