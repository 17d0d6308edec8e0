// The simple scheme's string to sign as data: parts, separator, raw or digested body, encodings.
import { createHash, createHmac } from 'node:crypto';
import { ConfigError } from '@attache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import type { SimpleSchemeOptions } from '../src/simple/simple-scheme.ts';
import { authContext } from './support/context.ts';

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const KEY = 'parts-secret';

async function sign(
  options: SimpleSchemeOptions,
  url: string,
  method: string,
  body: Uint8Array<ArrayBuffer>,
) {
  const auth = hmacAuth({ scheme: 'simple', keyId: 'k1', key: KEY, nonce: () => 'n0nce', ...options });
  const draft = { method, url: new URL(url), headers: new Headers({ 'x-extra': '  a   b ' }), body };
  await auth.attach(draft, authContext({ now: NOW }));
  return draft;
}

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'put'),
  path: fc.webPath(),
  query: fc.webQueryParameters(),
  body: fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(b)),
});

describe('simple scheme parts', () => {
  it('by default signs METHOD, path?canonical-query, timestamp, nonce and the body digest, as before', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, body }) => {
        const url = new URL(`https://api.example${path.startsWith('/') ? path : `/${path}`}?${query}`);
        const draft = await sign({ signedHeaders: ['x-extra'] }, url.href, method, body);
        const pairs = [...new URLSearchParams(url.search)]
          .map(([n, v]) => [enc(n), enc(v)])
          .sort(([a, b], [c, d]) => (a! < c! ? -1 : a! > c! ? 1 : b! < d! ? -1 : b! > d! ? 1 : 0))
          .map(([n, v]) => `${n}=${v}`)
          .join('&');
        const text = [
          method.toUpperCase(),
          pairs === '' ? url.pathname : `${url.pathname}?${pairs}`,
          String(NOW / 1000),
          'n0nce',
          createHash('sha256').update(body).digest('hex'),
          'x-extra:a b',
        ].join('\n');
        expect(draft.headers.get('x-signature')).toBe(createHmac('sha256', KEY).update(text).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('signs the raw body bytes, any separator, and a base64 digest when told', async () => {
    await fc.assert(
      fc.asyncProperty(
        request,
        fc.constantFrom('\n', '|', '', '\r\n'),
        async ({ method, path, body }, sep) => {
          const url = `https://api.example/${path.replace(/^\//, '')}`;
          const parts = ['timestamp', 'method', 'host', 'target', 'key-id', 'body-digest', 'body'] as const;
          const draft = await sign(
            {
              parts,
              separator: sep,
              encoding: 'base64',
              bodyDigest: 'sha-512',
              bodyDigestEncoding: 'base64url',
            },
            url,
            method,
            body,
          );
          const u = new URL(url);
          const head = [
            String(NOW / 1000),
            method.toUpperCase(),
            u.host,
            u.pathname + u.search,
            'k1',
            createHash('sha512').update(body).digest('base64url'),
          ].join(sep);
          const expected = createHmac('sha256', KEY)
            .update(Buffer.concat([Buffer.from(head + sep), body]))
            .digest('base64');
          expect(draft.headers.get('x-signature')).toBe(expected);
          const verifier = createHmacVerifier({
            scheme: 'simple',
            keys: { k1: KEY },
            parts,
            separator: sep,
            encoding: 'base64',
            bodyDigest: 'sha-512',
            bodyDigestEncoding: 'base64url',
            now: () => NOW,
          });
          const result = await verifier.verify(
            new Request(url, { method: 'OPTIONS', headers: draft.headers }),
            {
              body,
            },
          );
          const same = new Request(url, { method, headers: draft.headers });
          expect(await verifier.verify(same, { body })).toMatchObject({ ok: true, keyId: 'k1' });
          // The method is covered: the same headers on another method do not verify.
          expect(result).toMatchObject({ ok: false, reason: 'signature-mismatch' });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('lets options override a preset, and the verifier follows', async () => {
    const draft = await sign(
      { preset: 'api-key-hmac', headers: { signature: 'X-Sig' } },
      'https://api.example/x',
      'POST',
      new Uint8Array([1, 2]),
    );
    expect([...draft.headers.keys()].sort()).toEqual([
      'x-api-key',
      'x-extra',
      'x-nonce',
      'x-sig',
      'x-timestamp',
    ]);
    const verifier = createHmacVerifier({
      scheme: 'simple',
      preset: 'api-key-hmac',
      headers: { signature: 'X-Sig' },
      keys: { k1: KEY },
      now: () => NOW,
    });
    const request = new Request('https://api.example/x', { method: 'POST', headers: draft.headers });
    expect(await verifier.verify(request, { body: new Uint8Array([1, 2]) })).toMatchObject({
      ok: true,
      keyId: 'k1',
    });
  });

  it('refuses unknown presets and parts, and parts that leave the method, time or target unsigned', () => {
    const bad: [SimpleSchemeOptions, RegExp][] = [
      [{ preset: 'nope' as 'api-key-hmac' }, /preset must be one of api-key-hmac/],
      [{ parts: ['method', 'path', 'timestamp', 'query' as 'path'] }, /parts contains "query"/],
      [{ parts: ['path', 'timestamp'] }, /parts must include 'method'/],
      [{ parts: ['method', 'path'] }, /parts must include 'timestamp'/],
      [{ parts: ['method', 'timestamp', 'body'] }, /one of 'path', 'path-query', 'target'/],
      [{ parts: [] }, /non-empty list/],
      [{ bodyDigestEncoding: 'latin1' as 'hex' }, /bodyDigestEncoding/],
      [{ bodyDigest: 'md5' as 'sha-256' }, /bodyDigest must be/],
    ];
    for (const [options, message] of bad) {
      expect(() => hmacAuth({ scheme: 'simple', keyId: 'k', key: KEY, ...options })).toThrow(ConfigError);
      expect(() => hmacAuth({ scheme: 'simple', keyId: 'k', key: KEY, ...options })).toThrow(message);
    }
    expect(() => hmacAuth({ keyId: 'k', key: KEY, preset: 'api-key-hmac' })).toThrow(
      /preset applies to scheme 'simple'/,
    );
  });
});

function enc(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
