import type { AttacheFetch, JsonWebKeyInput, WebCryptoKey, WebCryptoKeyPair } from '@attache/core';
import { describe, expectTypeOf, it } from 'vitest';

// Public signatures name these instead of the DOM lib's own, so projects without the DOM lib compile them
// (checked against the published tarballs by scripts/check-packages/). Here, with the DOM lib, they must be
// exactly what a caller holds.
describe('web types usable with and without the DOM lib', () => {
  it('WebCryptoKey is the platform CryptoKey, both ways', () => {
    expectTypeOf<WebCryptoKey>().toEqualTypeOf<CryptoKey>();
    expectTypeOf<CryptoKeyPair>().toExtend<WebCryptoKeyPair>();
  });

  it('a DOM JsonWebKey is accepted where a JsonWebKeyInput is asked, and the other way round', () => {
    expectTypeOf<JsonWebKey>().toExtend<JsonWebKeyInput>();
    expectTypeOf<JsonWebKeyInput>().toExtend<JsonWebKey>();
  });

  it('AttacheFetch still takes everything fetch takes and can stand in for it', () => {
    expectTypeOf<Parameters<typeof fetch>[0]>().toExtend<Parameters<AttacheFetch>[0]>();
    expectTypeOf<AttacheFetch>().toExtend<
      (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
    >();
  });
});
