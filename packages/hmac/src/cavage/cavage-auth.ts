import { type AuthContext, type Authenticator, ConfigError, type RequestDraft } from '@attache/core';
import { checkKeyEncoding, encodeBytes, type KeyEncoding } from '../encoding.ts';
import { checkAlgorithm, type KeyMaterial } from '../signature-algorithm.ts';
import { draftBody, signerAuthenticator } from '../signer-authenticator.ts';
import { createSigningKeySource, type SigningEntry, type SigningKeyProvider } from '../signing-key-source.ts';
import { digestHeader } from './digest-header.ts';
import { CAVAGE_ALGORITHM_NAMES, CAVAGE_ALGORITHMS, cavageSigningString } from './signing-string.ts';

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
    CAVAGE_ALGORITHMS,
    'cavageSignatureAuth: algorithm',
  ) as CavageAlgorithm;
  const keyEncoding = checkKeyEncoding(options.keyEncoding ?? 'utf8', 'cavageSignatureAuth: keyEncoding');
  const source = createSigningKeySource(
    options,
    (keyId) => {
      if (typeof keyId !== 'string' || !QUOTABLE.test(keyId)) {
        fail('keyId must be a non-empty printable ASCII string without "');
      }
    },
    algorithm,
    keyEncoding,
    'cavageSignatureAuth',
  );
  const settings = cavageSettings(options, algorithm);
  return signerAuthenticator({
    name: 'cavage-signature',
    sensitiveHeaders: [settings.headerName],
    source,
    sign: (draft, context, key) => signCavage(draft, context, key, settings),
  });
}

interface CavageSettings {
  readonly algorithm: CavageAlgorithm;
  readonly expiresIn: number | undefined;
  /** Lower-cased; `undefined` for the default, which depends on the body. */
  readonly components: readonly string[] | undefined;
  readonly headerName: 'signature' | 'authorization';
}

function cavageSettings(options: CavageSignatureAuthOptions, algorithm: CavageAlgorithm): CavageSettings {
  const expiresIn = options.expiresIn;
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) {
    fail('expiresIn must be a positive whole number of seconds');
  }
  const components = options.components?.map((c) => (typeof c === 'string' ? c.toLowerCase() : c));
  if (components !== undefined) {
    if (!Array.isArray(components) || components.length === 0) fail('components must be a non-empty list');
    for (const c of components) {
      if (typeof c !== 'string' || !COMPONENT.test(c)) fail(`components contains ${JSON.stringify(c)}`);
    }
    if (components.includes('(expires)') && expiresIn === undefined) fail('(expires) needs expiresIn');
  }
  const placement = options.placement ?? 'signature';
  if (placement !== 'signature' && placement !== 'authorization')
    fail(`placement must be 'signature' or 'authorization'`);
  return { algorithm, expiresIn, components, headerName: placement };
}

async function signCavage(
  draft: RequestDraft,
  context: AuthContext,
  key: SigningEntry,
  settings: CavageSettings,
): Promise<void> {
  const components = settings.components ?? [
    '(request-target)',
    '(created)',
    'host',
    ...(draft.body !== undefined ? ['digest'] : []),
  ];
  const headers = draft.headers;
  if (components.includes('digest')) {
    const body = draftBody(draft);
    if (body === null) {
      fail('cannot sign a ReadableStream body: the digest covers the exact bytes; pass bytes or a string');
    }
    const digest = digestHeader(body ?? new Uint8Array(0));
    headers.set('digest', digest instanceof Promise ? await digest : digest);
  }
  const created = Math.floor(context.clock.now() / 1000);
  if (components.includes('date')) headers.set('date', new Date(created * 1000).toUTCString());
  const expires = settings.expiresIn === undefined ? undefined : created + settings.expiresIn;
  const signing = cavageSigningString(draft, components, { created, expires });
  if ('missing' in signing) {
    fail(
      `cannot sign ${draft.method} ${draft.url.origin}${draft.url.pathname}: it has no ${signing.missing}`,
    );
  }
  if (!QUOTABLE.test(key.keyId)) fail('signingKey(): keyId must not contain "');
  const signed = key.sign(signing.text);
  const signature = encodeBytes(signed instanceof Promise ? await signed : signed, 'base64');
  const params =
    `keyId="${key.keyId}",algorithm="${CAVAGE_ALGORITHM_NAMES[settings.algorithm]}"` +
    (components.includes('(created)') ? `,created=${created}` : '') +
    (expires === undefined ? '' : `,expires=${expires}`) +
    `,headers="${components.join(' ')}",signature="${signature}"`;
  headers.set(settings.headerName, settings.headerName === 'signature' ? params : `Signature ${params}`);
}
