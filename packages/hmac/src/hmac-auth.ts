import { type Authenticator, ConfigError } from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import type { ContentDigestAlgorithm } from './content-digest.ts';
import { checkKeyEncoding, type KeyEncoding } from './encoding.ts';
import { rfc9421Signer } from './rfc9421/rfc9421-signer.ts';
import {
  checkAlgorithm,
  HMAC_ALGORITHMS,
  type KeyMaterial,
  missingWebCrypto,
  RFC9421_ALGORITHMS,
  type SignatureAlgorithm,
} from './signature-algorithm.ts';
import { signerAuthenticator } from './signer-authenticator.ts';
import { createSigningKeySource, type SigningKeyProvider } from './signing-key-source.ts';
import {
  resolveSimpleScheme,
  SIMPLE_SCHEME_FIELDS,
  type SimpleSchemeOptions,
} from './simple/simple-scheme.ts';
import { simpleSigner } from './simple/simple-signer.ts';

/** Which signature format to produce (and verify). */
export type HmacScheme = 'rfc9421' | 'simple';

/**
 * Options of {@link hmacAuth}. `headers`, `encoding`, `timestampFormat` and `signedHeaders` apply to the
 * simple scheme; `label`, `components`, `digestAlgorithm`, `expiresIn`, `algParameter` and `tag` to
 * `rfc9421`.
 *
 * @example
 * ```ts
 * hmacAuth({ keyId: 'client-42', key: secret(process.env.PARTNER_SECRET!) });
 * hmacAuth({ scheme: 'simple', keyId: 'client-42', key, headers: { signature: 'X-Partner-Signature' } });
 * hmacAuth({ keyId: 'ed-1', key: privateKey, algorithm: 'ed25519' });
 * ```
 */
export interface HmacAuthOptions extends SimpleSchemeOptions {
  /**
   * `'rfc9421'` (default): RFC 9421 HTTP Message Signatures, `Signature-Input` and `Signature` headers, with
   * RFC 9530 `Content-Digest` for the body. `'simple'`: key id, timestamp, nonce and signature headers.
   */
  readonly scheme?: HmacScheme;
  /**
   * The key id the partner knows the key by (`keyid` in RFC 9421). Printable ASCII. Required unless
   * `signingKey` is given.
   */
  readonly keyId?: string;
  /**
   * The key: an HMAC secret (string, `Secret`, bytes, `CryptoKey`) or, for asymmetric algorithms, a private
   * `CryptoKey`, a private JWK or a PKCS #8 PEM. Required unless `signingKey` is given.
   */
  readonly key?: KeyMaterial;
  /**
   * Instead of `keyId` and `key`: reads both from a provider, once, and again when the partner answers a
   * signed request with 401 (and the clock was not the cause). When the provider then returns another key,
   * the request is signed with it and sent once more; a failing provider is a `TokenAcquisitionError`.
   */
  readonly signingKey?: SigningKeyProvider;
  /** How a string HMAC secret becomes bytes: `'utf8'` (default), `'hex'`, `'base64'` or `'base64url'`. */
  readonly keyEncoding?: KeyEncoding;
  /**
   * Default `'hmac-sha256'`. rfc9421 also takes `'ed25519'`, `'ecdsa-p256-sha256'`, `'ecdsa-p384-sha384'`,
   * `'rsa-pss-sha512'` and `'rsa-v1_5-sha256'`; simple takes `'hmac-sha384'` and `'hmac-sha512'`.
   */
  readonly algorithm?: SignatureAlgorithm;
  /** Makes each attempt's nonce, or `false` for none. Default: 128 random bits, base64url. */
  readonly nonce?: (() => string) | false;
  /** rfc9421: the signature's label in `Signature-Input` and `Signature`. Default `'sig1'`. */
  readonly label?: string;
  /**
   * rfc9421: the covered components, in order, e.g. `['@method', '@target-uri', 'content-digest']` or
   * `'@query-param;name="id"'`. Every one must be in the request (`content-digest` is computed and set
   * from the body). Default: `@method`, `@target-uri`, `content-digest` when there is a body, and
   * whichever of `content-type`, `authorization`, `dpop`, `x-api-key` and `idempotency-key` the request has.
   */
  readonly components?: readonly string[];
  /** rfc9421: the `Content-Digest` algorithm. Default `'sha-256'`. */
  readonly digestAlgorithm?: ContentDigestAlgorithm;
  /** rfc9421: adds `expires` this many seconds after `created`. Default: no `expires`. */
  readonly expiresIn?: number;
  /** rfc9421: whether to include the `alg` parameter. Default `true`. */
  readonly algParameter?: boolean;
  /** rfc9421: an application-specific `tag` parameter. Default none. */
  readonly tag?: string;
}

const RFC9421_ONLY = ['label', 'components', 'digestAlgorithm', 'expiresIn', 'algParameter', 'tag'] as const;
// randomUUID draws from a pooled buffer; getRandomValues pays a system call per nonce (docs/performance.md).
// 122 random bits, dashes dropped.
function randomNonce(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

function fail(message: string): never {
  throw new ConfigError(`hmacAuth: ${message}`);
}

/**
 * Signs every request the pipeline sends: each attempt (retries, the 401 replay, redirects on the same
 * origin) gets a fresh timestamp from the client's corrected clock and a fresh nonce, and the signature
 * covers the exact body bytes. Runs after every other authenticator, so it signs the credentials they add.
 *
 * On a 401 it asks for one replay when the client's clock correction moved since the request was signed
 * (the pipeline learns the server's time from its `Date` header), so a skewed clock costs one rejection.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field); and from
 *   `attach` when a request cannot be signed: a `ReadableStream` body that must be covered, or a
 *   configured component the request lacks.
 * @example
 * ```ts
 * const fetch = createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: hmacAuth({ keyId: 'client-42', key: secret(process.env.PARTNER_SECRET!) }),
 * });
 * ```
 */
export function hmacAuth(options: HmacAuthOptions): Authenticator {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const scheme = options.scheme ?? 'rfc9421';
  if (scheme !== 'rfc9421' && scheme !== 'simple') fail(`scheme must be 'rfc9421' or 'simple'`);
  for (const field of scheme === 'simple' ? RFC9421_ONLY : SIMPLE_SCHEME_FIELDS) {
    if (options[field] !== undefined) {
      fail(`${field} applies to scheme '${scheme === 'simple' ? 'rfc9421' : 'simple'}' only`);
    }
  }
  const keyEncoding = checkKeyEncoding(options.keyEncoding ?? 'utf8', 'hmacAuth: keyEncoding');
  const algorithm = checkAlgorithm(
    options.algorithm ?? 'hmac-sha256',
    scheme === 'simple' ? HMAC_ALGORITHMS : RFC9421_ALGORITHMS,
    'hmacAuth: algorithm',
  );
  // Printable ASCII: the simple scheme sends it as a header value, rfc9421 as a structured-field string.
  const source = createSigningKeySource(
    options,
    (keyId) => checkHeaderValue(keyId, 'hmacAuth: keyId', 'config', 'printable'),
    algorithm,
    keyEncoding,
    'hmacAuth',
  );
  const nonce = options.nonce ?? randomNonce;
  if (nonce !== false && typeof nonce !== 'function') fail('nonce must be a function or false');
  const missing = missingWebCrypto({ randomUUID: options.nonce === undefined });
  if (missing !== undefined) fail(missing);

  const nextNonce = (): string | undefined => {
    if (nonce === false) return undefined;
    return checkHeaderValue(nonce(), 'hmacAuth: nonce() result', 'config', 'printable');
  };
  const simple = scheme === 'simple' ? resolveSimpleScheme(options, 'hmacAuth') : undefined;
  return signerAuthenticator({
    name: 'hmac',
    sensitiveHeaders: [simple ? simple.headers.signature : 'signature'],
    source,
    sign: simple ? simpleSigner(simple, nextNonce) : rfc9421Signer(options, algorithm, nextNonce),
  });
}
