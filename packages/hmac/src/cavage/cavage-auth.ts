import { type AuthContext, type Authenticator, ConfigError, type RequestDraft } from '@attache/core';
import { encodeBytes, KEY_ENCODINGS, type KeyEncoding, ownBytes } from '../encoding.ts';
import {
  checkAlgorithm,
  type KeyMaterial,
  type SignatureAlgorithm,
  signNow,
} from '../signature-algorithm.ts';
import { createSigningKeySource, type SigningEntry, type SigningKeyProvider } from '../signing-key-source.ts';
import { digestHeader } from './digest-header.ts';
import { CAVAGE_ALGORITHM_NAMES, cavageSigningString } from './signing-string.ts';

/** The algorithms draft-cavage deployments use, by their RFC 9421 names. */
/** The algorithms a draft-cavage signature can use (its `algorithm` parameter is derived from them). */
export type CavageAlgorithm =
  | 'hmac-sha256'
  | 'hmac-sha512'
  | 'rsa-v1_5-sha256'
  | 'ecdsa-p256-sha256'
  | 'rsa-pss-sha512'
  | 'ed25519';

/**
 * Options of {@link cavageSignatureAuth}.
 *
 * @example
 * ```ts
 * cavageSignatureAuth({ keyId: 'https://example.social/actor#main-key', key: privatePem, algorithm: 'rsa-v1_5-sha256',
 *   components: ['(request-target)', 'host', 'date', 'digest'] });
 * ```
 */
export interface CavageSignatureAuthOptions {
  /** The `keyId` parameter. Printable ASCII without `"`. Required unless `signingKey` is given. */
  readonly keyId?: string;
  /** An HMAC secret, or a private key (`CryptoKey`, JWK or PKCS #8 PEM). Required unless `signingKey` is given. */
  readonly key?: KeyMaterial;
  /** Instead of `keyId` and `key`: a provider read again when the partner rejects a signature (one replay). */
  readonly signingKey?: SigningKeyProvider;
  /** How a string HMAC secret becomes bytes. Default `'utf8'`. */
  readonly keyEncoding?: KeyEncoding;
  /**
   * Default `'hmac-sha256'`. Also `'hmac-sha512'`, `'rsa-v1_5-sha256'` (`rsa-sha256`), `'ecdsa-p256-sha256'`
   * (`ecdsa-sha256`), and `'rsa-pss-sha512'` and `'ed25519'` (written `hs2019`).
   */
  readonly algorithm?: CavageAlgorithm;
  /**
   * The `headers` parameter: what is signed, in order. Default `(request-target)`, `(created)`, `host`, and
   * `digest` when there is a body. `date` makes the signer set a `Date` header (older verifiers, such as
   * ActivityPub servers, want `date` instead of `(created)`; browsers do not let a page set `Date`);
   * `digest` makes it set an RFC 3230 `Digest`; `(expires)` needs `expiresIn`.
   */
  readonly components?: readonly string[];
  /** Adds `expires` this many seconds after `created`. Default none. */
  readonly expiresIn?: number;
  /** `'signature'` (default): a `Signature` header. `'authorization'`: `Authorization: Signature ...`. */
  readonly placement?: 'signature' | 'authorization';
}

const QUOTABLE = /^[\x20-\x21\x23-\x7e]+$/;
const COMPONENT = /^(\((request-target|created|expires)\)|[!#$%&'*+\-.^_`|~0-9a-z]+)$/;
const CLOCK_CORRECTION_MS = 2_000;

function fail(message: string): never {
  throw new ConfigError(`cavageSignatureAuth: ${message}`);
}

/**
 * Signs every request with draft-cavage HTTP Signatures (the `Signature` header many APIs and ActivityPub
 * servers still verify). Each attempt gets a fresh `created` (or `Date`) and digest over the exact body bytes.
 *
 * @throws {ConfigError} synchronously for invalid options; from `attach` for a `ReadableStream` body that
 *   `digest` must cover, or a covered header the request lacks.
 * @example
 * ```ts
 * const fetch = createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: cavageSignatureAuth({ keyId: 'client-42', key: secret(process.env.PARTNER_SECRET!) }),
 * });
 * ```
 */
export function cavageSignatureAuth(options: CavageSignatureAuthOptions): Authenticator {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const algorithm = checkAlgorithm(
    options.algorithm ?? 'hmac-sha256',
    Object.keys(CAVAGE_ALGORITHM_NAMES) as SignatureAlgorithm[],
    'cavageSignatureAuth: algorithm',
  ) as CavageAlgorithm;
  const keyEncoding = options.keyEncoding ?? 'utf8';
  if (!KEY_ENCODINGS.includes(keyEncoding)) fail(`keyEncoding must be one of ${KEY_ENCODINGS.join(', ')}`);
  const provider = options.signingKey;
  if (provider !== undefined) {
    if (typeof provider !== 'function') fail('signingKey must be a function returning { keyId, key }');
    if (options.keyId !== undefined || options.key !== undefined)
      fail('give either signingKey or keyId and key');
  } else {
    if (typeof options.keyId !== 'string' || !QUOTABLE.test(options.keyId)) {
      fail('keyId must be a non-empty printable ASCII string without "');
    }
    if (options.key === undefined || options.key === null) fail('key is required');
  }
  const source = createSigningKeySource(
    provider ?? { keyId: options.keyId as string, key: options.key! },
    algorithm,
    keyEncoding,
    'cavageSignatureAuth',
  );
  const expiresIn = options.expiresIn;
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) {
    fail('expiresIn must be a positive whole number of seconds');
  }
  const configured = options.components?.map((c) => (typeof c === 'string' ? c.toLowerCase() : c));
  if (configured !== undefined) {
    if (!Array.isArray(configured) || configured.length === 0) fail('components must be a non-empty list');
    for (const c of configured) {
      if (typeof c !== 'string' || !COMPONENT.test(c)) fail(`components contains ${JSON.stringify(c)}`);
    }
    if (configured.includes('(expires)') && expiresIn === undefined) fail('(expires) needs expiresIn');
  }
  const placement = options.placement ?? 'signature';
  if (placement !== 'signature' && placement !== 'authorization')
    fail(`placement must be 'signature' or 'authorization'`);
  const algorithmName = CAVAGE_ALGORITHM_NAMES[algorithm];
  const headerName = placement === 'signature' ? 'signature' : 'authorization';
  const signedWith = new WeakMap<AbortSignal, { offset: number; key: SigningEntry }>();

  async function attach(draft: RequestDraft, context: AuthContext): Promise<void> {
    const hasBody = draft.body !== undefined;
    const components = configured ?? [
      '(request-target)',
      '(created)',
      'host',
      ...(hasBody ? ['digest'] : []),
    ];
    const headers = draft.headers;
    if (components.includes('digest')) {
      if (draft.body === null) {
        fail('cannot sign a ReadableStream body: the digest covers the exact bytes; pass bytes or a string');
      }
      const given = draft.body;
      const body =
        given === undefined
          ? new Uint8Array(0)
          : given.buffer instanceof ArrayBuffer
            ? given
            : ownBytes(given);
      const digest = digestHeader(body);
      headers.set('digest', digest instanceof Promise ? await digest : digest);
    }
    const now = context.clock.now();
    const created = Math.floor(now / 1000);
    if (components.includes('date')) headers.set('date', new Date(created * 1000).toUTCString());
    const expires = expiresIn === undefined ? undefined : created + expiresIn;
    const signing = cavageSigningString(draft, components, { created, expires });
    if ('missing' in signing) {
      fail(
        `cannot sign ${draft.method} ${draft.url.origin}${draft.url.pathname}: it has no ${signing.missing}`,
      );
    }
    const current = source.current();
    const key = current instanceof Promise ? await current : current;
    if (!QUOTABLE.test(key.keyId)) fail('signingKey(): keyId must not contain "');
    const cryptoKey = key.cryptoKey();
    const signed = signNow(
      algorithm,
      cryptoKey instanceof Promise ? await cryptoKey : cryptoKey,
      signing.text,
    );
    const signature = encodeBytes(signed instanceof Promise ? await signed : signed, 'base64');
    const params =
      `keyId="${key.keyId}",algorithm="${algorithmName}"` +
      (components.includes('(created)') ? `,created=${created}` : '') +
      (expires === undefined ? '' : `,expires=${expires}`) +
      `,headers="${components.join(' ')}",signature="${signature}"`;
    headers.set(headerName, placement === 'signature' ? params : `Signature ${params}`);
    signedWith.set(context.signal, { offset: context.clock.offset, key });
  }

  return {
    name: 'cavage-signature',
    signer: true,
    sensitiveHeaders: [headerName],
    attach,
    async challenge(_response, _sent, context) {
      const signed = signedWith.get(context.signal);
      if (signed === undefined) return 'fail';
      if (Math.abs(context.clock.offset - signed.offset) >= CLOCK_CORRECTION_MS) return 'replay';
      return source.rotates && (await source.renew(signed.key)) ? 'replay' : 'fail';
    },
  };
}
