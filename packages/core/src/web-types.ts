/**
 * The platform's WebCrypto key: the DOM lib's `CryptoKey`, or Node's `webcrypto.CryptoKey` in a project
 * compiled without the DOM lib (`lib: ["ES2023"]` with `@types/node`). Public signatures use it so that
 * they compile in both kinds of project.
 */
export type WebCryptoKey = typeof globalThis extends { CryptoKey: { prototype: infer K } } ? K : never;

/** A pair of {@link WebCryptoKey}s, as `crypto.subtle.generateKey` returns for asymmetric algorithms. */
export interface WebCryptoKeyPair {
  readonly privateKey: WebCryptoKey;
  readonly publicKey: WebCryptoKey;
}

/**
 * A JSON Web Key (RFC 7517) as WebCrypto's `importKey('jwk', …)` takes it: the members of the DOM lib's
 * `JsonWebKey`, declared here so projects without the DOM lib can name it.
 */
export interface JsonWebKeyInput {
  alg?: string;
  crv?: string;
  d?: string;
  dp?: string;
  dq?: string;
  e?: string;
  ext?: boolean;
  k?: string;
  key_ops?: string[];
  kty?: string;
  n?: string;
  oth?: { d?: string; r?: string; t?: string }[];
  p?: string;
  q?: string;
  qi?: string;
  use?: string;
  x?: string;
  y?: string;
}
