import { ConfigError, isAttacheError, type Secret } from '@attache/core';
import { bodyBytes, type ContentDigestInput, checkContentDigest } from './content-digest.ts';
import { decodeBytes, KEY_ENCODINGS, type KeyEncoding, utf8 } from './encoding.ts';
import type { HmacScheme } from './hmac-auth.ts';
import {
  type ComponentId,
  componentFromItem,
  type MessageView,
  parseComponentId,
  serializeComponentId,
} from './message-component.ts';
import { createMemoryNonceStore, type NonceStore } from './nonce-store.ts';
import {
  checkAlgorithm,
  HMAC_ALGORITHMS,
  importPreparedKey,
  type KeyMaterial,
  missingWebCrypto,
  type PreparedKey,
  prepareKey,
  RFC9421_ALGORITHMS,
  type SignatureAlgorithm,
  verifyBytes,
} from './signature-algorithm.ts';
import { createSignatureBase } from './signature-base.ts';
import {
  parseTimestamp,
  type ResolvedSimpleScheme,
  resolveSimpleScheme,
  type SimpleSchemeOptions,
  simpleStringToSign,
} from './simple-scheme.ts';
import { type BareItem, isSfKey, parseDictionary } from './structured-fields.ts';

/** Why a verifier refused a message. Every rejection carries exactly one. */
export type HmacRejectionReason =
  /** No signature headers, or no signature with the expected label. */
  | 'missing-signature'
  /** Signature headers that cannot be parsed, or that cover a component the message does not have. */
  | 'malformed-signature'
  /** No key is configured for the key id. */
  | 'unknown-key'
  /** The `alg` parameter names an algorithm that none of the key id's keys uses. */
  | 'unsupported-algorithm'
  /** A component the verifier requires is not covered by the signature. */
  | 'uncovered-component'
  /** No `created` parameter or timestamp header. */
  | 'missing-timestamp'
  /** Older than the tolerance window, or past its `expires`. */
  | 'expired'
  /** Dated further in the future than the tolerance window allows. */
  | 'future-timestamp'
  /** No nonce, and the verifier requires one. */
  | 'missing-nonce'
  /** The nonce was already used within the window: a replay. */
  | 'replayed-nonce'
  /**
   * The nonce store is full of live nonces and refuses to forget one (the memory store's default): the
   * message may be genuine, but it cannot be protected against replay. Raise `maxEntries` or use a shared store.
   */
  | 'nonce-store-full'
  /** `Content-Digest` does not match the body. */
  | 'digest-mismatch'
  /** The signature does not verify: something it covers changed, or it was made with another key. */
  | 'signature-mismatch';

/** A verified message: who signed it and what the signature covers. */
export interface HmacVerified {
  readonly ok: true;
  readonly scheme: HmacScheme;
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** When it was signed, in epoch seconds. */
  readonly created: number;
  readonly nonce: string | undefined;
  /** rfc9421: the label of the verified signature. */
  readonly label?: string;
  /** rfc9421: the covered components, as written in `Signature-Input`. */
  readonly components?: readonly string[];
}

/** A refused message. `message` says why in words and never contains key material or signature values. */
export interface HmacRejected {
  readonly ok: false;
  readonly reason: HmacRejectionReason;
  readonly message: string;
  /** The key id the message claimed, when it named one. */
  readonly keyId?: string;
}

/** What {@link HmacVerifier.verify} resolves with: narrow on `ok`, then switch on `reason`. */
export type HmacVerifyResult = HmacVerified | HmacRejected;

/** A verification key with its algorithm. Plain strings, `Secret`s and bytes are `hmac-sha256` secrets. */
export interface HmacVerifierKey {
  /**
   * HMAC: the shared secret (string, `Secret`, bytes, `CryptoKey`, `oct` JWK). Asymmetric: the public key
   * as a `CryptoKey`, a JWK (private members are ignored) or an SPKI PEM.
   */
  readonly key: KeyMaterial;
  /** Default `'hmac-sha256'`. */
  readonly algorithm?: SignatureAlgorithm;
  /** How a string HMAC secret becomes bytes. Default: the verifier's `keyEncoding`. */
  readonly keyEncoding?: KeyEncoding;
}

/** A verification key: an HMAC-SHA256 secret as a string, `Secret` or bytes, or a key with its algorithm. */
export type HmacVerifierKeyInput = string | Secret | Uint8Array | HmacVerifierKey;

/** Looks keys up by key id; `undefined` (or an empty list) for an unknown key id. */
export type HmacKeyLookup = (
  keyId: string,
) =>
  | HmacVerifierKeyInput
  | readonly HmacVerifierKeyInput[]
  | undefined
  | Promise<HmacVerifierKeyInput | readonly HmacVerifierKeyInput[] | undefined>;

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

interface KeyEntry {
  readonly algorithm: SignatureAlgorithm;
  readonly key: () => Promise<CryptoKey>;
}

const TARGET_URI_IMPLIES = ['"@scheme"', '"@authority"', '"@path"', '"@query"', '"@request-target"'];
const REQUEST_TARGET_IMPLIES = ['"@path"', '"@query"'];

function fail(message: string): never {
  throw new ConfigError(`createHmacVerifier: ${message}`);
}

function reject(reason: HmacRejectionReason, message: string, keyId?: string): HmacRejected {
  return keyId === undefined ? { ok: false, reason, message } : { ok: false, reason, message, keyId };
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
  const rfcOnly = ['label', 'requiredComponents', 'requireContentDigest'] as const;
  const simpleOnly = ['headers', 'encoding', 'timestampFormat', 'signedHeaders'] as const;
  for (const field of scheme === 'simple' ? rfcOnly : simpleOnly) {
    if (options[field] !== undefined) {
      fail(`${field} applies to scheme '${scheme === 'simple' ? 'rfc9421' : 'simple'}' only`);
    }
  }
  const keyEncoding = options.keyEncoding ?? 'utf8';
  if (!KEY_ENCODINGS.includes(keyEncoding)) fail(`keyEncoding must be one of ${KEY_ENCODINGS.join(', ')}`);
  const tolerance = options.tolerance ?? 300;
  if (typeof tolerance !== 'number' || !(tolerance > 0) || !Number.isFinite(tolerance)) {
    fail('tolerance must be a positive number of seconds');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') fail('now must be a function returning epoch milliseconds');
  // The default store shares the verifier's clock: nonces expire on the same time line they are dated on.
  const nonceStore = options.nonceStore ?? createMemoryNonceStore({ now });
  if (nonceStore !== false && typeof nonceStore?.claim !== 'function') {
    fail('nonceStore must have a claim() method, or be false');
  }
  const requireNonce = options.requireNonce ?? nonceStore !== false;
  if (requireNonce && nonceStore === false) fail('requireNonce needs a nonceStore');
  const allowed = scheme === 'simple' ? HMAC_ALGORITHMS : RFC9421_ALGORITHMS;
  const lookup = keyLookup(options.keys, keyEncoding, allowed);

  const context: VerifyContext = { tolerance: tolerance * 1000, now, requireNonce, nonceStore, lookup };
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

interface VerifyContext {
  readonly tolerance: number;
  readonly now: () => number;
  readonly requireNonce: boolean;
  readonly nonceStore: NonceStore | false;
  readonly lookup: (keyId: string) => Promise<readonly KeyEntry[]>;
}

function keyEntry(
  input: HmacVerifierKeyInput,
  keyEncoding: KeyEncoding,
  allowed: readonly SignatureAlgorithm[],
  field: string,
): KeyEntry {
  const spec: HmacVerifierKey =
    typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'key' in input
      ? input
      : { key: input as KeyMaterial };
  const algorithm = checkAlgorithm(spec.algorithm ?? 'hmac-sha256', allowed, `${field}.algorithm`);
  const encoding = spec.keyEncoding ?? keyEncoding;
  if (!KEY_ENCODINGS.includes(encoding)) {
    fail(`${field}.keyEncoding must be one of ${KEY_ENCODINGS.join(', ')}`);
  }
  const prepared: PreparedKey = prepareKey(spec.key, algorithm, 'verify', encoding, field);
  let imported: Promise<CryptoKey> | undefined;
  return {
    algorithm,
    key: () => {
      imported ??= importPreparedKey(prepared, algorithm, 'verify').catch((cause: unknown) => {
        const why = isAttacheError(cause) ? `: ${cause.message}` : '';
        throw new ConfigError(`createHmacVerifier: ${field} could not be imported for ${algorithm}${why}`, {
          cause,
        });
      });
      return imported;
    },
  };
}

function keyLookup(
  keys: HmacVerifierOptions['keys'],
  keyEncoding: KeyEncoding,
  allowed: readonly SignatureAlgorithm[],
): (keyId: string) => Promise<readonly KeyEntry[]> {
  const toList = (value: HmacVerifierKeyInput | readonly HmacVerifierKeyInput[] | undefined) =>
    value === undefined
      ? []
      : Array.isArray(value)
        ? (value as readonly HmacVerifierKeyInput[])
        : [value as HmacVerifierKeyInput];
  if (typeof keys === 'function') {
    return async (keyId) =>
      toList(await keys(keyId)).map((input, i) =>
        keyEntry(input, keyEncoding, allowed, `keys("${keyId}")[${i}]`),
      );
  }
  if (typeof keys !== 'object' || keys === null) {
    fail('keys must be a record of key id → key(s), or a lookup function');
  }
  const table = new Map<string, readonly KeyEntry[]>();
  for (const [keyId, value] of Object.entries(keys)) {
    const list = toList(value);
    if (list.length === 0) fail(`keys["${keyId}"] is empty`);
    table.set(
      keyId,
      list.map((input, i) => keyEntry(input, keyEncoding, allowed, `keys["${keyId}"][${i}]`)),
    );
  }
  if (table.size === 0) fail('keys must name at least one key id');
  return async (keyId) => table.get(keyId) ?? [];
}

function messageView(message: Request | Response): MessageView {
  const request = message as Partial<Request>;
  if (typeof request.method === 'string' && typeof request.url === 'string') {
    return { method: request.method, url: new URL(request.url), headers: message.headers };
  }
  return { status: (message as Response).status, headers: message.headers };
}

/** Reads the body once, lazily: from the caller's bytes, or from a clone so the message stays readable. */
function bodyReader(
  message: Request | Response,
  options: HmacVerifyOptions,
): () => Promise<Uint8Array<ArrayBuffer>> {
  let body: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return () => {
    body ??=
      options.body !== undefined
        ? Promise.resolve(bodyBytes(options.body))
        : message.body === null
          ? Promise.resolve(new Uint8Array(0))
          : message.bodyUsed
            ? Promise.reject(
                new ConfigError('HmacVerifier.verify: the body was already read; pass it as options.body'),
              )
            : message
                .clone()
                .arrayBuffer()
                .then((buffer) => new Uint8Array(buffer));
    return body;
  };
}

function checkTime(
  createdMs: number,
  expiresMs: number | undefined,
  context: VerifyContext,
  keyId: string,
): HmacRejected | undefined {
  const time = context.now();
  if (createdMs - time > context.tolerance) {
    return reject(
      'future-timestamp',
      `signed ${Math.round((createdMs - time) / 1000)} s in the future`,
      keyId,
    );
  }
  if (time - createdMs > context.tolerance) {
    return reject(
      'expired',
      `signed ${Math.round((time - createdMs) / 1000)} s ago, beyond the tolerance window`,
      keyId,
    );
  }
  if (expiresMs !== undefined && time > expiresMs) return reject('expired', 'past its expires time', keyId);
  return undefined;
}

async function claimNonce(
  nonce: string | undefined,
  keyId: string,
  createdMs: number,
  context: VerifyContext,
): Promise<HmacRejected | undefined> {
  if (nonce === undefined || context.nonceStore === false) return undefined;
  // Remembered for as long as the signature could still be accepted: checkTime accepts up to and including
  // `createdMs + tolerance`, so the store may forget it one millisecond later, not before.
  const claimed = await context.nonceStore.claim(`${keyId}\n${nonce}`, createdMs + context.tolerance + 1);
  if (claimed === 'full') {
    return reject('nonce-store-full', 'the nonce store is full of live nonces and refuses more', keyId);
  }
  return claimed ? undefined : reject('replayed-nonce', 'the nonce was already used', keyId);
}

async function verifyWithAny(
  entries: readonly KeyEntry[],
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array,
): Promise<KeyEntry | undefined> {
  for (const entry of entries) {
    if (await verifyBytes(entry.algorithm, await entry.key(), data, signature)) return entry;
  }
  return undefined;
}

type Verify = (message: Request | Response, options: HmacVerifyOptions) => Promise<HmacVerifyResult>;

function simpleVerifier(simple: ResolvedSimpleScheme, context: VerifyContext): Verify {
  return async (message, options) => {
    const headers = message.headers;
    const signatureText = headers.get(simple.headers.signature);
    if (signatureText === null) return reject('missing-signature', `no ${simple.headers.signature} header`);
    const keyId = headers.get(simple.headers.keyId);
    if (keyId === null || keyId === '') {
      return reject('malformed-signature', `no ${simple.headers.keyId} header`);
    }
    const timestamp = headers.get(simple.headers.timestamp);
    if (timestamp === null) {
      return reject('missing-timestamp', `no ${simple.headers.timestamp} header`, keyId);
    }
    const createdMs = parseTimestamp(timestamp, simple.timestampFormat);
    if (createdMs === undefined) {
      return reject(
        'malformed-signature',
        `${simple.headers.timestamp} is not a '${simple.timestampFormat}' timestamp`,
        keyId,
      );
    }
    const late = checkTime(createdMs, undefined, context, keyId);
    if (late) return late;
    // An empty nonce is no nonce: it cannot tell one request from another.
    const nonce = headers.get(simple.headers.nonce) || undefined;
    if (nonce === undefined && context.requireNonce) {
      return reject('missing-nonce', `no ${simple.headers.nonce} header`, keyId);
    }
    const signature = decodeBytes(signatureText, simple.encoding);
    if (signature === undefined) {
      return reject('malformed-signature', `${simple.headers.signature} is not ${simple.encoding}`, keyId);
    }
    const entries = await context.lookup(keyId);
    if (entries.length === 0) return reject('unknown-key', `no key for key id "${keyId}"`, keyId);
    const view = messageView(message);
    if (view.method === undefined || view.url === undefined) {
      return reject('malformed-signature', 'the simple scheme signs requests only', keyId);
    }
    const toSign = await simpleStringToSign(
      {
        method: view.method,
        url: view.url,
        headers,
        timestamp,
        nonce: nonce ?? '',
        body: await bodyReader(message, options)(),
      },
      simple,
    );
    const entry = await verifyWithAny(entries, utf8(toSign), signature);
    if (!entry) return reject('signature-mismatch', 'the signature does not match the request', keyId);
    const replay = await claimNonce(nonce, keyId, createdMs, context);
    if (replay) return replay;
    return {
      ok: true,
      scheme: 'simple',
      keyId,
      algorithm: entry.algorithm,
      created: Math.floor(createdMs / 1000),
      nonce,
    };
  };
}

function rfc9421Verifier(options: HmacVerifierOptions, context: VerifyContext): Verify {
  const label = options.label;
  if (label !== undefined && (typeof label !== 'string' || !isSfKey(label))) {
    fail('label must be a structured-field key');
  }
  const requiredTexts = options.requiredComponents ?? ['@method', '@authority', '@path', '@query'];
  if (!Array.isArray(requiredTexts)) fail('requiredComponents must be a list of component identifiers');
  const required = requiredTexts.map((text) => {
    const id = typeof text === 'string' ? parseComponentId(text) : 'not a string';
    if (typeof id === 'string') fail(`requiredComponents: ${id}`);
    return serializeComponentId(id);
  });
  const requireContentDigest = options.requireContentDigest ?? true;

  return async (message, verifyOptions) => {
    const inputHeader = message.headers.get('signature-input');
    const signatureHeader = message.headers.get('signature');
    if (inputHeader === null || signatureHeader === null) {
      return reject('missing-signature', 'no Signature-Input and Signature headers');
    }
    const inputs = parseDictionary(inputHeader);
    if (typeof inputs === 'string') return reject('malformed-signature', `Signature-Input: ${inputs}`);
    const signatures = parseDictionary(signatureHeader);
    if (typeof signatures === 'string') return reject('malformed-signature', `Signature: ${signatures}`);
    const chosen = label ?? inputs.keys().next().value;
    const input = chosen === undefined ? undefined : inputs.get(chosen);
    if (chosen === undefined || input === undefined) {
      return reject(
        'missing-signature',
        label === undefined ? 'Signature-Input is empty' : `no signature labelled "${label}"`,
      );
    }
    const signature = signatures.get(chosen);
    if (input.kind !== 'inner-list') {
      return reject('malformed-signature', `Signature-Input "${chosen}" is not an inner list`);
    }
    if (signature?.kind !== 'item' || signature.value.type !== 'bytes') {
      return reject('malformed-signature', `Signature has no byte sequence labelled "${chosen}"`);
    }

    const params = readParams(input.params);
    if (typeof params === 'string') return reject('malformed-signature', params);
    const { keyId, created, expires, alg } = params;
    const nonce = params.nonce || undefined;
    const components: ComponentId[] = [];
    for (const item of input.items) {
      const id = componentFromItem(item);
      if (typeof id === 'string') return reject('malformed-signature', id, keyId);
      components.push(id);
    }

    const covered = new Set(components.map(serializeComponentId));
    if (covered.has('"@target-uri"')) for (const id of TARGET_URI_IMPLIES) covered.add(id);
    if (covered.has('"@request-target"')) for (const id of REQUEST_TARGET_IMPLIES) covered.add(id);
    const readBody = bodyReader(message, verifyOptions);
    const mustCover = [...required];
    if (requireContentDigest && (verifyOptions.body !== undefined || message.body !== null)) {
      if ((await readBody()).length > 0) mustCover.push('"content-digest"');
    }
    const uncovered = mustCover.find((id) => !covered.has(id));
    if (uncovered !== undefined) {
      return reject('uncovered-component', `the signature does not cover ${uncovered}`, keyId);
    }

    if (created === undefined) return reject('missing-timestamp', 'no created parameter', keyId);
    const late = checkTime(
      created * 1000,
      expires === undefined ? undefined : expires * 1000,
      context,
      keyId,
    );
    if (late) return late;
    if (nonce === undefined && context.requireNonce) {
      return reject('missing-nonce', 'no nonce parameter', keyId);
    }

    const entries = await context.lookup(keyId);
    if (entries.length === 0) return reject('unknown-key', `no key for key id "${keyId}"`, keyId);
    // RFC 9421 §3.3.7: the key decides the algorithm; `alg`, when present, must agree with it.
    if (alg !== undefined && !RFC9421_ALGORITHMS.includes(alg as SignatureAlgorithm)) {
      return reject('unsupported-algorithm', `unsupported alg "${alg}"`, keyId);
    }
    const candidates = alg === undefined ? entries : entries.filter((e) => e.algorithm === alg);
    if (candidates.length === 0) {
      return reject('unsupported-algorithm', `no key for "${keyId}" uses ${alg}`, keyId);
    }

    if (covered.has('"content-digest"')) {
      const digest = message.headers.get('content-digest');
      if (digest !== null) {
        const check = await checkContentDigest(digest, await readBody());
        if (check !== 'ok') {
          return reject('digest-mismatch', `Content-Digest does not prove the body (${check})`, keyId);
        }
      }
    }
    const base = createSignatureBase(messageView(message), components, input.params);
    if ('error' in base) return reject('malformed-signature', base.error, keyId);

    const entry = await verifyWithAny(candidates, utf8(base.base), signature.value.value);
    if (!entry) return reject('signature-mismatch', 'the signature does not match the message', keyId);
    const replay = await claimNonce(nonce, keyId, created * 1000, context);
    if (replay) return replay;
    return {
      ok: true,
      scheme: 'rfc9421',
      keyId,
      algorithm: entry.algorithm,
      created,
      nonce,
      label: chosen,
      components: components.map(serializeComponentId),
    };
  };
}

interface SignatureParams {
  readonly keyId: string;
  readonly created: number | undefined;
  readonly expires: number | undefined;
  readonly nonce: string | undefined;
  readonly alg: string | undefined;
}

function readParams(params: ReadonlyMap<string, BareItem>): SignatureParams | string {
  const integer = (name: string): number | undefined | string => {
    const value = params.get(name);
    if (value === undefined) return undefined;
    return value.type === 'integer' ? value.value : `${name} is not an integer`;
  };
  const text = (name: string): string | undefined | { error: string } => {
    const value = params.get(name);
    if (value === undefined) return undefined;
    return value.type === 'string' ? value.value : { error: `${name} is not a string` };
  };
  const keyId = text('keyid');
  if (keyId === undefined) return 'no keyid parameter';
  if (typeof keyId === 'object') return keyId.error;
  const created = integer('created');
  if (typeof created === 'string') return created;
  const expires = integer('expires');
  if (typeof expires === 'string') return expires;
  const nonce = text('nonce');
  if (typeof nonce === 'object') return nonce.error;
  const alg = text('alg');
  if (typeof alg === 'object') return alg.error;
  return { keyId, created, expires, nonce, alg };
}
