import { ConfigError } from '@attache/core';
import type { ContentDigestInput } from './content-digest.ts';
import { checkKeyEncoding, type KeyEncoding } from './encoding.ts';
import type { HmacScheme } from './hmac-auth.ts';
import type { NonceStore } from './nonce-store.ts';
import { rfc9421Verifier } from './rfc9421/rfc9421-verifier.ts';
import { HMAC_ALGORITHMS, missingWebCrypto, RFC9421_ALGORITHMS } from './signature-algorithm.ts';
import { resolveSimpleScheme, type SimpleSchemeOptions } from './simple/simple-scheme.ts';
import { simpleVerifier } from './simple/simple-verifier.ts';
import { type HmacKeyLookup, type HmacVerifierKeyInput, keyLookup } from './verifier-keys.ts';
import type { HmacVerifyResult } from './verify-result.ts';
import { replayWindow } from './verify-window.ts';

/**
 * Options of {@link createHmacVerifier}. Scheme settings (`headers`, `encoding`, `timestampFormat`,
 * `signedHeaders`) must match the signer's.
 *
 * @example
 * ```ts
 * createHmacVerifier({
 *   keys: { 'client-42': [secret(process.env.NEW_SECRET!), secret(process.env.OLD_SECRET!)] },
 *   tolerance: 120,
 * });
 * ```
 */
export interface HmacVerifierOptions extends SimpleSchemeOptions {
  /** `'rfc9421'` (default) or `'simple'`. */
  readonly scheme?: HmacScheme;
  /**
   * Keys by key id. Several keys under one id are tried in turn, so a key can be rotated without
   * downtime. Or a function that looks them up.
   */
  readonly keys:
    | Readonly<Record<string, HmacVerifierKeyInput | readonly HmacVerifierKeyInput[]>>
    | HmacKeyLookup;
  /** How string HMAC secrets become bytes. Default `'utf8'`. */
  readonly keyEncoding?: KeyEncoding;
  /**
   * Seconds a signature stays valid after `created`, and how far ahead of our clock it may be dated, both
   * bounds inclusive. Default `300`.
   */
  readonly tolerance?: number;
  /**
   * Where nonces are remembered against replay, or `false` for no replay check. A nonce is kept until its
   * signature can no longer be accepted. Default: `createMemoryNonceStore({ now })` (100 000 nonces; when
   * full of live ones it refuses messages with `nonce-store-full` rather than forget one).
   */
  readonly nonceStore?: NonceStore | false;
  /** Whether a message without a nonce is refused. Default `true`, or `false` when `nonceStore` is `false`. */
  readonly requireNonce?: boolean;
  /** Time source in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** rfc9421: the label of the signature to verify. Default: the first in `Signature-Input`. */
  readonly label?: string;
  /**
   * rfc9421: components the signature must cover. `@target-uri` counts as covering `@scheme`,
   * `@authority`, `@path`, `@query` and `@request-target`; `@request-target` as `@path` and `@query`.
   * Default `['@method', '@authority', '@path', '@query']`.
   */
  readonly requiredComponents?: readonly string[];
  /** rfc9421: whether a message with a non-empty body must cover a matching `content-digest`. Default `true`. */
  readonly requireContentDigest?: boolean;
}

/** Per-call options of {@link HmacVerifier.verify}. */
export interface HmacVerifyOptions {
  /** The body bytes, when the message's own body was already read (e.g. a framework's raw body). */
  readonly body?: ContentDigestInput;
}

/**
 * Verifies signed requests (or responses).
 *
 * @example
 * ```ts
 * const result = await verifier.verify(request);
 * if (!result.ok) return new Response(result.reason, { status: 401 });
 * ```
 */
export interface HmacVerifier {
  /**
   * Verifies a message. Resolves with a typed result and never rejects for a bad signature; it rejects
   * only for a misconfiguration (a key from `keys` that cannot be used).
   */
  verify(message: Request | Response, options?: HmacVerifyOptions): Promise<HmacVerifyResult>;
}

const RFC9421_ONLY = ['label', 'requiredComponents', 'requireContentDigest'] as const;
const SIMPLE_ONLY = ['headers', 'encoding', 'timestampFormat', 'signedHeaders'] as const;

function fail(message: string): never {
  throw new ConfigError(`createHmacVerifier: ${message}`);
}

/**
 * Creates a verifier for `hmacAuth`'s signatures (and any RFC 9421 signer's): it checks the key, the
 * signature over the exact components and body, the time window, and the nonce against replay. HMAC
 * signatures are compared in constant time. Partners' servers and test doubles use it alike.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const verifier = createHmacVerifier({ keys: { 'client-42': secret(process.env.PARTNER_SECRET!) } });
 * const result = await verifier.verify(request);
 * ```
 */
export function createHmacVerifier(options: HmacVerifierOptions): HmacVerifier {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const missing = missingWebCrypto({ randomUUID: false });
  if (missing !== undefined) fail(missing);
  const scheme = options.scheme ?? 'rfc9421';
  if (scheme !== 'rfc9421' && scheme !== 'simple') fail(`scheme must be 'rfc9421' or 'simple'`);
  for (const field of scheme === 'simple' ? RFC9421_ONLY : SIMPLE_ONLY) {
    if (options[field] !== undefined) {
      fail(`${field} applies to scheme '${scheme === 'simple' ? 'rfc9421' : 'simple'}' only`);
    }
  }
  const keyEncoding = checkKeyEncoding(options.keyEncoding ?? 'utf8', 'createHmacVerifier: keyEncoding');
  const window = replayWindow(options, 'createHmacVerifier');
  const requireNonce = options.requireNonce ?? window.nonceStore !== false;
  if (requireNonce && window.nonceStore === false) fail('requireNonce needs a nonceStore');
  const allowed = scheme === 'simple' ? HMAC_ALGORITHMS : RFC9421_ALGORITHMS;
  const context = { ...window, requireNonce, lookup: keyLookup(options.keys, keyEncoding, allowed) };
  const verify =
    scheme === 'simple'
      ? simpleVerifier(resolveSimpleScheme(options, 'createHmacVerifier'), context)
      : rfc9421Verifier(options, context);
  return {
    verify(message, verifyOptions = {}) {
      return verify(message, verifyOptions);
    },
  };
}
