import { type AuthContext, type Authenticator, ConfigError, type RequestDraft } from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import {
  type ContentDigestAlgorithm,
  checkContentDigest,
  checkDigestAlgorithms,
  hashNow,
} from './content-digest.ts';
import { encodeBytes, KEY_ENCODINGS, type KeyEncoding, ownBytes } from './encoding.ts';
import { type ComponentId, parseComponentId } from './message-component.ts';
import {
  checkAlgorithm,
  HMAC_ALGORITHMS,
  type KeyMaterial,
  missingWebCrypto,
  RFC9421_ALGORITHMS,
  type SignatureAlgorithm,
  signNow,
} from './signature-algorithm.ts';
import {
  type ComponentPlan,
  createPlannedBase,
  planComponents,
  signatureParamsList,
} from './signature-base.ts';
import { createSigningKeySource, type SigningEntry, type SigningKeyProvider } from './signing-key-source.ts';
import {
  formatTimestamp,
  type ResolvedSimpleScheme,
  resolveSimpleScheme,
  SIMPLE_SCHEME_FIELDS,
  type SimpleSchemeOptions,
  simpleStringToSign,
} from './simple-scheme.ts';
import {
  type BareItem,
  isSfKey,
  isSfString,
  parseDictionary,
  type SfMember,
  serializeBareItem,
  serializeDictionary,
  sfBytes,
  sfInteger,
  sfString,
} from './structured-fields.ts';

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

// Credentials other authenticators may have put on the request, covered by default when present.
const OPTIONAL_COVERED = ['content-type', 'authorization', 'dpop', 'x-api-key', 'idempotency-key'];
const RFC9421_ONLY = ['label', 'components', 'digestAlgorithm', 'expiresIn', 'algParameter', 'tag'] as const;
// The pipeline learns offsets from `Date`, which has one-second resolution: below two seconds is noise.
const CLOCK_CORRECTION_MS = 2_000;
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
  const keyEncoding = options.keyEncoding ?? 'utf8';
  if (!KEY_ENCODINGS.includes(keyEncoding)) fail(`keyEncoding must be one of ${KEY_ENCODINGS.join(', ')}`);
  const algorithm = checkAlgorithm(
    options.algorithm ?? 'hmac-sha256',
    scheme === 'simple' ? HMAC_ALGORITHMS : RFC9421_ALGORITHMS,
    'hmacAuth: algorithm',
  );
  const provider = options.signingKey;
  if (provider !== undefined) {
    if (typeof provider !== 'function') fail('signingKey must be a function returning { keyId, key }');
    if (options.keyId !== undefined || options.key !== undefined)
      fail('give either signingKey or keyId and key');
  } else {
    // Printable ASCII: the simple scheme sends it as a header value, rfc9421 as a structured-field string.
    checkHeaderValue(options.keyId, 'hmacAuth: keyId', 'config', 'printable');
    if (options.key === undefined || options.key === null) fail('key is required');
  }
  const source = createSigningKeySource(
    provider ?? { keyId: options.keyId as string, key: options.key as KeyMaterial },
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
  const sign = simple
    ? simpleSigner(simple, algorithm, nextNonce)
    : rfc9421Signer(options, algorithm, nextNonce);

  // The clock offset and key each call last signed with, by the call's signal (one per call, shared by its
  // attempts and its challenge), to tell on a 401 whether re-signing would help.
  const signedWith = new WeakMap<AbortSignal, { offset: number; key: SigningEntry }>();

  const attach = async (draft: RequestDraft, context: AuthContext): Promise<void> => {
    const given = draft.body;
    // The pipeline's bytes are its own ArrayBuffer already; anything else is copied into one.
    const body =
      given === null || given === undefined || given.buffer instanceof ArrayBuffer ? given : ownBytes(given);
    const current = source.current();
    const key = current instanceof Promise ? await current : current;
    await sign(draft, body, context, key);
    signedWith.set(context.signal, { offset: context.clock.offset, key });
  };

  return {
    name: 'hmac',
    signer: true,
    sensitiveHeaders: [simple ? simple.headers.signature : 'signature'],
    attach,
    async challenge(_response, _sent, context) {
      const signed = signedWith.get(context.signal);
      if (signed === undefined) return 'fail';
      if (Math.abs(context.clock.offset - signed.offset) >= CLOCK_CORRECTION_MS) return 'replay';
      return source.rotates && (await source.renew(signed.key)) ? 'replay' : 'fail';
    },
  };
}

type Sign = (
  draft: RequestDraft,
  body: Uint8Array<ArrayBuffer> | null | undefined,
  context: AuthContext,
  key: SigningEntry,
) => Promise<void>;

function streamError(): never {
  fail(
    'cannot sign a request whose body is a ReadableStream: the signature covers the exact body bytes. ' +
      'Pass the body as a string, bytes, Blob, FormData or URLSearchParams',
  );
}

function simpleSigner(
  simple: ResolvedSimpleScheme,
  algorithm: SignatureAlgorithm,
  nextNonce: () => string | undefined,
): Sign {
  return async (draft, body, context, signingKey) => {
    if (body === null) streamError();
    const timestamp = formatTimestamp(context.clock.now(), simple.timestampFormat);
    const nonce = nextNonce();
    const headers = draft.headers;
    headers.set(simple.headers.keyId, signingKey.keyId);
    headers.set(simple.headers.timestamp, timestamp);
    if (nonce === undefined) headers.delete(simple.headers.nonce);
    else headers.set(simple.headers.nonce, nonce);
    const pending = simpleStringToSign(
      {
        method: draft.method,
        url: draft.url,
        headers,
        timestamp,
        nonce: nonce ?? '',
        body: body ?? new Uint8Array(0),
      },
      simple,
    );
    const toSign = pending instanceof Promise ? await pending : pending;
    const key = signingKey.cryptoKey();
    const signing = signNow(algorithm, key instanceof Promise ? await key : key, toSign);
    const signature = signing instanceof Promise ? await signing : signing;
    headers.set(simple.headers.signature, encodeBytes(signature, simple.encoding));
  };
}

function rfc9421Signer(
  options: HmacAuthOptions,
  algorithm: SignatureAlgorithm,
  nextNonce: () => string | undefined,
): Sign {
  const label = options.label ?? 'sig1';
  if (typeof label !== 'string' || !isSfKey(label)) {
    fail('label must be a structured-field key (lower-case letters, digits, "_", "-", ".", "*")');
  }
  let configured: readonly ComponentId[] | undefined;
  if (options.components !== undefined) {
    if (!Array.isArray(options.components)) fail('components must be a list of component identifiers');
    configured = options.components.map((text) => {
      const id = typeof text === 'string' ? parseComponentId(text) : 'not a string';
      if (typeof id === 'string') fail(`components: ${id}`);
      return id;
    });
  }
  const [digestAlgorithm] = checkDigestAlgorithms(
    [options.digestAlgorithm ?? 'sha-256'],
    'hmacAuth: digestAlgorithm',
  );
  const expiresIn = options.expiresIn;
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) {
    fail('expiresIn must be a positive whole number of seconds');
  }
  const tag = options.tag;
  if (tag !== undefined && (typeof tag !== 'string' || !isSfString(tag))) {
    fail('tag must be a printable ASCII string');
  }
  const algParameter = options.algParameter ?? true;
  // What stays the same on every signature is serialized once: the covered components (per default set) and
  // the parameters between `created` and `nonce`. The order is RFC 9421's: created, expires, keyid, alg,
  // nonce, tag.
  const fixedPlan = configured === undefined ? undefined : planComponents(configured);
  if (typeof fixedPlan === 'string') fail(`components: ${fixedPlan}`);
  const defaultPlans = new Map<string, ComponentPlan>();
  const algParam = algParameter ? `;alg=${serializeBareItem(sfString(algorithm))}` : '';
  const tagParam = tag === undefined ? '' : `;tag=${serializeBareItem(sfString(tag))}`;

  return async (draft, body, context, signingKey) => {
    const keyId = signingKey.keyId;
    const headers = draft.headers;
    const plan = fixedPlan ?? defaultPlan(defaultPlans, headers, body !== undefined);
    const components = plan.components;
    if (components.some((c) => c.name === 'content-digest')) {
      if (body === null) streamError();
      const bytes = body ?? new Uint8Array(0);
      // A caller's own Content-Digest is kept when it is right for these bytes, and replaced when it is not.
      const existing = headers.get('content-digest');
      if (existing === null || (await checkContentDigest(existing, bytes)) !== 'ok') {
        const pending = hashNow(digestAlgorithm!, bytes);
        const digest = pending instanceof Promise ? await pending : pending;
        // One RFC 9530 member: `sha-256=:<base64>:`, as contentDigest() writes it.
        headers.set('content-digest', `${digestAlgorithm}=:${encodeBytes(digest, 'base64')}:`);
      }
    }
    const created = Math.floor(context.clock.now() / 1000);
    const nonce = nextNonce();
    const paramsText =
      `;created=${created}` +
      (expiresIn === undefined ? '' : `;expires=${created + expiresIn}`) +
      `;keyid=${serializeBareItem(sfString(keyId))}` +
      algParam +
      (nonce === undefined ? '' : `;nonce=${serializeBareItem(sfString(nonce))}`) +
      tagParam;
    const base = createPlannedBase(draft, plan, `(${plan.ids.join(' ')})${paramsText}`);
    if ('error' in base) {
      fail(`cannot sign ${draft.method} ${draft.url.origin}${draft.url.pathname}: ${base.error}`);
    }
    const key = signingKey.cryptoKey();
    const signing = signNow(algorithm, key instanceof Promise ? await key : key, base.base);
    const signature = signing instanceof Promise ? await signing : signing;
    // The structured form is needed only to merge with another signature already on the request.
    const params = (): Map<string, BareItem> => {
      const map = new Map<string, BareItem>([['created', sfInteger(created)]]);
      if (expiresIn !== undefined) map.set('expires', sfInteger(created + expiresIn));
      map.set('keyid', sfString(keyId));
      if (algParameter) map.set('alg', sfString(algorithm));
      if (nonce !== undefined) map.set('nonce', sfString(nonce));
      if (tag !== undefined) map.set('tag', sfString(tag));
      return map;
    };
    setMember(headers, 'signature-input', label, base.signatureParams, () =>
      signatureParamsList(components, params()),
    );
    setMember(headers, 'signature', label, `:${encodeBytes(signature, 'base64')}:`, () => ({
      kind: 'item',
      value: sfBytes(signature),
      params: new Map(),
    }));
  };
}

function defaultPlan(cache: Map<string, ComponentPlan>, headers: Headers, hasBody: boolean): ComponentPlan {
  let key = hasBody ? 'b' : '';
  for (const name of OPTIONAL_COVERED) key += headers.has(name) ? '1' : '0';
  let plan = cache.get(key);
  if (plan === undefined) {
    plan = planComponents(defaultComponents(headers, hasBody)) as ComponentPlan;
    cache.set(key, plan);
  }
  return plan;
}

function defaultComponents(headers: Headers, hasBody: boolean): ComponentId[] {
  const names = ['@method', '@target-uri'];
  if (hasBody) names.push('content-digest');
  for (const name of OPTIONAL_COVERED) if (headers.has(name)) names.push(name);
  return names.map((name) => ({ name, params: new Map() }));
}

/** Sets one member of a Dictionary header, keeping other signatures already on the request. */
function setMember(
  headers: Headers,
  name: string,
  label: string,
  serialized: string,
  member: () => SfMember,
): void {
  const existing = headers.get(name);
  // The usual case, no other signature on the request: the member is the whole field.
  if (existing === null) {
    headers.set(name, `${label}=${serialized}`);
    return;
  }
  const parsed = parseDictionary(existing);
  const members = new Map(typeof parsed === 'object' ? parsed : []);
  members.delete(label);
  members.set(label, member());
  headers.set(name, serializeDictionary(members));
}
