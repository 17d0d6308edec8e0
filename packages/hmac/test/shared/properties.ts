// Property tests: random requests round-trip through sign → verify, and any single-byte change of a covered
// part makes verification fail. Run in Node and in Chromium.

import { authenticateRequest } from '@attache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HmacAuthOptions, hmacAuth } from '../../src/hmac-auth.ts';
import { createHmacVerifier, type HmacVerifierOptions } from '../../src/hmac-verifier.ts';
import { authContext } from '../support/context.ts';

const SECRET = 'property-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

interface Spec {
  readonly method: string;
  readonly segments: readonly string[];
  readonly query: readonly (readonly [string, string])[];
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | undefined;
}

const word = (min: number, max: number, chars = 'abcdefghijklmnopqrstuvwxyz0123456789') =>
  fc.string({ unit: fc.constantFrom(...chars.split('')), minLength: min, maxLength: max });

const specArbitrary: fc.Arbitrary<Spec> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
    segments: fc.array(word(1, 8), { minLength: 1, maxLength: 4 }),
    query: fc.array(fc.tuple(word(1, 5, 'abcdefghij'), word(1, 12, `${ALNUM} -._~!*'()/&=+%é€`)), {
      maxLength: 4,
    }),
    headers: fc.uniqueArray(
      fc.tuple(
        word(1, 6, 'abcdefghij').map((n) => `x-${n}`),
        word(1, 20, `${ALNUM} ,;=-_`),
      ),
      {
        maxLength: 3,
        selector: ([name]) => name,
      },
    ),
    body: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
  })
  .map((spec) => ({ ...spec, body: spec.method === 'GET' ? undefined : spec.body }))
  // Headers trim their values: a value that is blank once trimmed is not a header value worth signing.
  .filter((spec) => spec.headers.every(([, value]) => value.trim() !== ''));

function toRequest(spec: Spec, extra?: Headers): Request {
  const url = new URL(`https://api.partner.test/${spec.segments.join('/')}`);
  for (const [name, value] of spec.query) url.searchParams.append(name, value);
  const headers = new Headers(extra);
  for (const [name, value] of spec.headers) headers.set(name, value);
  return new Request(url, {
    method: spec.method,
    headers,
    ...(spec.body ? { body: spec.body.slice() } : {}),
  });
}

type Mutation =
  | { readonly part: 'method' | 'path' | 'query' | 'header'; readonly at: number; readonly to: string }
  | { readonly part: 'body'; readonly at: number; readonly xor: number };

const mutationArbitrary = fc.oneof(
  fc.record({
    part: fc.constantFrom('method', 'path', 'query', 'header') as fc.Arbitrary<
      'method' | 'path' | 'query' | 'header'
    >,
    at: fc.nat(),
    to: fc.constantFrom(...ALNUM.split('')),
  }),
  fc.record({ part: fc.constant('body' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
);

function replaceAt(text: string, at: number, to: string): string | undefined {
  if (text.length === 0) return undefined;
  const i = at % text.length;
  // A different character of the same case: methods are compared upper-cased by the simple scheme.
  const fallback = to === to.toUpperCase() ? (to === 'A' ? 'B' : 'A') : to === 'a' ? 'b' : 'a';
  const next = to === text[i] ? fallback : to;
  return text.slice(0, i) + next + text.slice(i + 1);
}

/** The spec with one byte of one covered part changed, or `undefined` when the part is empty. */
function mutate(spec: Spec, mutation: Mutation): Spec | undefined {
  switch (mutation.part) {
    case 'method': {
      const method = replaceAt(spec.method, mutation.at, mutation.to.toUpperCase());
      return method === undefined ? undefined : { ...spec, method };
    }
    case 'path': {
      const i = mutation.at % spec.segments.length;
      const segment = replaceAt(spec.segments[i]!, mutation.at, mutation.to.toLowerCase());
      return segment === undefined ? undefined : { ...spec, segments: spec.segments.with(i, segment) };
    }
    case 'query': {
      if (spec.query.length === 0) return undefined;
      const i = mutation.at % spec.query.length;
      const [name, value] = spec.query[i]!;
      const changed = replaceAt(value, mutation.at, mutation.to);
      return changed === undefined ? undefined : { ...spec, query: spec.query.with(i, [name, changed]) };
    }
    case 'header': {
      if (spec.headers.length === 0) return undefined;
      const i = mutation.at % spec.headers.length;
      const [name, value] = spec.headers[i]!;
      const trimmed = value.trim();
      const start = value.indexOf(trimmed);
      const changed = replaceAt(trimmed, mutation.at, mutation.to);
      if (changed === undefined) return undefined;
      return {
        ...spec,
        headers: spec.headers.with(i, [
          name,
          value.slice(0, start) + changed + value.slice(start + trimmed.length),
        ]),
      };
    }
    case 'body': {
      if (spec.body === undefined) return undefined;
      const body = spec.body.slice();
      const i = mutation.at % body.length;
      body[i] = body[i]! ^ mutation.xor;
      return { ...spec, body };
    }
  }
}

interface Scheme {
  readonly name: string;
  readonly signer: (spec: Spec) => HmacAuthOptions;
  readonly verifier: (spec: Spec) => HmacVerifierOptions;
}

const SCHEMES: readonly Scheme[] = [
  {
    name: 'rfc9421',
    signer: (spec) => ({
      keyId: 'k',
      key: SECRET,
      components: [
        '@method',
        '@target-uri',
        ...(spec.body ? ['content-digest'] : []),
        ...spec.headers.map(([name]) => name),
      ],
    }),
    verifier: () => ({ keys: { k: SECRET }, now: () => NOW, nonceStore: false }),
  },
  {
    name: 'simple',
    signer: (spec) => ({
      scheme: 'simple',
      keyId: 'k',
      key: SECRET,
      signedHeaders: spec.headers.map(([name]) => name),
    }),
    verifier: (spec) => ({
      scheme: 'simple',
      keys: { k: SECRET },
      now: () => NOW,
      nonceStore: false,
      signedHeaders: spec.headers.map(([name]) => name),
    }),
  },
];

async function signSpec(scheme: Scheme, spec: Spec): Promise<Request> {
  const request = toRequest(spec);
  return authenticateRequest(hmacAuth(scheme.signer(spec)), request, authContext({ now: NOW }));
}

export function propertySuite(numRuns: number): void {
  for (const scheme of SCHEMES) {
    describe(`properties, ${scheme.name} scheme`, () => {
      it('sign → verify accepts any request', async () => {
        await fc.assert(
          fc.asyncProperty(specArbitrary, async (spec) => {
            const signed = await signSpec(scheme, spec);
            const result = await createHmacVerifier(scheme.verifier(spec)).verify(signed);
            expect(result).toMatchObject({ ok: true });
          }),
          { numRuns },
        );
      });

      it('any single-byte change of a covered part is rejected', async () => {
        await fc.assert(
          fc.asyncProperty(specArbitrary, mutationArbitrary, async (spec, mutation) => {
            const changed = mutate(spec, mutation);
            fc.pre(changed !== undefined);
            const signed = await signSpec(scheme, spec);
            const forged = toRequest(changed!, signed.headers);
            const result = await createHmacVerifier(scheme.verifier(spec)).verify(forged);
            expect(result.ok).toBe(false);
            expect(['signature-mismatch', 'digest-mismatch']).toContain(!result.ok && result.reason);
          }),
          { numRuns },
        );
      });
    });
  }
}
