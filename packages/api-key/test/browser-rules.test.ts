import { apiKeyAuth, defaultSecretPatterns } from '@attache/api-key';
import { authenticateRequest, ConfigError, createFetch, secret } from '@attache/core';
import { mockPartnerApi } from '@attache/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authContext } from './support/context.ts';
import { useMswServer } from './support/msw.ts';

// The same rules run in real Chromium in api-key.browser.test.ts; here the browser is simulated by the two
// globals the detection looks at, so the rules are also covered where CI has no browser.
const BASE = 'https://api.partner.test';
const server = useMswServer();

afterEach(() => {
  vi.unstubAllGlobals();
});

const SECRET_LOOKING = [
  'sk_live_51HxYzAbCdEf',
  'sk_test_51HxYzAbCdEf',
  'rk_live_51HxYzAbCdEf',
  'whsec_abc123',
  'sk-proj-abc123',
  'sk-ant-api03-abc',
  'sk.eyJ1IjoiYWNtZSJ9',
  'sb_secret_abc123',
  'ghp_abc123',
  'github_pat_11ABC',
  'glpat-abc123',
  'xoxb-123-456',
  'SG.abcdefghij.klmnopqrst',
  'shpat_abc123',
  'GOCSPX-abc123',
  'hf_abc123',
  'npm_abc123',
  'gsk_abc123',
  'r8_abc123',
  'xai-abc123',
  'secret_abc123',
  'lin_api_abc123',
];
const PUBLISHABLE = [
  'pk_live_51HxYzAbCdEf',
  'pk.eyJ1IjoiYWNtZSJ9',
  'AIzaSyA-abc123',
  'sb_publishable_abc',
  'k-123',
];

describe.each([
  ['a page (document)', 'document', {}],
  ['a browser worker (importScripts)', 'importScripts', () => {}],
])('in %s', (_label, global, value) => {
  it('in: cookie is a ConfigError that says why', () => {
    vi.stubGlobal(global, value);
    expect(() => apiKeyAuth({ key: 'k-123', in: 'cookie' })).toThrow(ConfigError);
    expect(() => apiKeyAuth({ key: 'k-123', in: 'cookie' })).toThrow(/browser.*Cookie header/);
    expect(() => apiKeyAuth({ key: 'k-123', in: 'cookie', dangerouslyAllowBrowser: true })).toThrow(
      /cannot work in a browser/,
    );
  });

  it.each(SECRET_LOOKING)('refuses a key that looks secret: %s', (key) => {
    vi.stubGlobal(global, value);
    expect(() => apiKeyAuth({ key })).toThrow(ConfigError);
    expect(() => apiKeyAuth({ key: secret(key), in: 'query' })).toThrow(
      /looks like a secret server-side key/,
    );
    expect(() => apiKeyAuth({ key, dangerouslyAllowBrowser: true })).not.toThrow();
  });

  it.each(PUBLISHABLE)('accepts a publishable key: %s', (key) => {
    vi.stubGlobal(global, value);
    expect(() => apiKeyAuth({ key })).not.toThrow();
  });
});

describe('secret-looking keys in a browser', () => {
  it('the message names the rule, never the key', () => {
    vi.stubGlobal('document', {});
    const key = 'sk_live_51HxYzAbCdEfGhIjKl';
    const error = (() => {
      try {
        apiKeyAuth({ key });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('/^sk_(?:live|test)_/');
    expect(error?.message).toContain('dangerouslyAllowBrowser: true');
    expect(error?.message).not.toContain(key);
    expect(error?.stack).not.toContain(key);
  });

  it('secretPatterns replaces the defaults, and extending them keeps both', () => {
    vi.stubGlobal('document', {});
    expect(() => apiKeyAuth({ key: 'acme_sk_1', secretPatterns: [/^acme_sk_/] })).toThrow(/acme_sk_/);
    expect(() => apiKeyAuth({ key: 'sk_live_1', secretPatterns: [/^acme_sk_/] })).not.toThrow();
    const both = [...defaultSecretPatterns, /^acme_sk_/];
    expect(() => apiKeyAuth({ key: 'acme_sk_1', secretPatterns: both })).toThrow(ConfigError);
    expect(() => apiKeyAuth({ key: 'sk_live_1', secretPatterns: both })).toThrow(ConfigError);
  });

  it('a global or sticky pattern matches on every check, not every other one', () => {
    vi.stubGlobal('document', {});
    const pattern = /^acme_sk_/g;
    for (let i = 0; i < 3; i++) {
      expect(() => apiKeyAuth({ key: 'acme_sk_1', secretPatterns: [pattern] })).toThrow(ConfigError);
    }
  });

  it('the default patterns cannot be changed by accident', () => {
    expect(Object.isFrozen(defaultSecretPatterns)).toBe(true);
  });

  it('a provider returning a secret-looking key fails the call before anything is sent', async () => {
    vi.stubGlobal('document', {});
    const api = mockPartnerApi({ baseUrl: BASE, routes: { 'GET /orders': () => ({ ok: true }) } });
    server.use(...api.handlers);
    const fetch = createFetch({ baseUrl: BASE, auth: apiKeyAuth({ key: async () => 'sk_live_rotated' }) });

    await expect(fetch('orders')).rejects.toThrow(/looks like a secret server-side key/);
    expect(api.calls.total).toBe(0);
  });

  it('outside a browser the same keys and the cookie placement are accepted', async () => {
    const auth = apiKeyAuth({ key: 'sk_live_51HxYzAbCdEf', in: 'cookie' });
    const request = await authenticateRequest(auth, new Request(`${BASE}/me`), authContext());
    expect(request.headers.get('cookie')).toBe('api_key=sk_live_51HxYzAbCdEf');
  });
});
