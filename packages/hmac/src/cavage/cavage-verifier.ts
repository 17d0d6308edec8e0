import { ConfigError } from '@attache/core';
import type { ContentDigestInput } from '../content-digest.ts';
import { checkKeyEncoding, decodeBytes, encodeBytes, type KeyEncoding, utf8 } from '../encoding.ts';
import type { NonceStore } from '../nonce-store.ts';
import type { KeyMaterial, SignatureAlgorithm } from '../signature-algorithm.ts';
import { type KeyEntry, keyEntry, verifyWithAny } from '../verifier-keys.ts';
import { bodyReader } from '../verify-message.ts';
import { type HmacRejected, reject } from '../verify-result.ts';
import { checkTime, claimNonce, type ReplayWindow, replayWindow } from '../verify-window.ts';
import type { CavageAlgorithm } from './cavage-auth.ts';
import { digestHeader } from './digest-header.ts';
import { CAVAGE_ALGORITHMS, cavageSigningString, parseCavageParams } from './signing-string.ts';

/** A draft-cavage verification key with its algorithm (default `'hmac-sha256'`). */
export interface CavageVerifierKey {
  /** An HMAC secret, or a public key (`CryptoKey`, JWK or SPKI PEM). */
  readonly key: KeyMaterial;
  readonly algorithm?: CavageAlgorithm;
}

/**
 * Options of {@link createCavageVerifier}.
 *
 * @example
 * ```ts
 * createCavageVerifier({ keys: { 'client-42': { key: secret(process.env.PARTNER_SECRET!) } } });
 * ```
 */
export interface CavageVerifierOptions {
  /** Keys by `keyId` (several per id during a rotation), or a lookup. */
  readonly keys:
    | Readonly<Record<string, CavageVerifierKey | readonly CavageVerifierKey[]>>
    | ((
        keyId: string,
      ) =>
        | CavageVerifierKey
        | readonly CavageVerifierKey[]
        | undefined
        | Promise<CavageVerifierKey | readonly CavageVerifierKey[] | undefined>);
  /** How string HMAC secrets become bytes. Default `'utf8'`. */
  readonly keyEncoding?: KeyEncoding;
  /** Seconds a signature stays valid after `created` (or `Date`), and how far ahead it may be dated. Default `300`. */
  readonly tolerance?: number;
  /**
   * Where signatures are remembered against replay (draft-cavage has no nonce: the same signature twice is a
   * replay), or `false`. Default: a memory store.
   */
  readonly nonceStore?: NonceStore | false;
  /** Entries of `headers` the signature must cover. Default `['(request-target)']`. */
  readonly requiredComponents?: readonly string[];
  /** Whether a message with a body must cover a matching `digest`. Default `true`. */
  readonly requireDigest?: boolean;
  /** Time source in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** A verified draft-cavage signature. */
export interface CavageVerified {
  readonly ok: true;
  readonly scheme: 'cavage';
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** When it was signed (`created`, else `Date`), in epoch seconds. */
  readonly created: number;
  readonly components: readonly string[];
}

/** What {@link CavageVerifier.verify} resolves with: narrow on `ok`, then switch on `reason`. */
export type CavageVerifyResult = CavageVerified | HmacRejected;

/** Verifies draft-cavage signed requests. */
export interface CavageVerifier {
  verify(request: Request, options?: { readonly body?: ContentDigestInput }): Promise<CavageVerifyResult>;
}

const NAMES_TO_ALGORITHMS: Readonly<Record<string, readonly CavageAlgorithm[]>> = {
  'hmac-sha256': ['hmac-sha256'],
  'hmac-sha512': ['hmac-sha512'],
  'rsa-sha256': ['rsa-v1_5-sha256'],
  'rsa-v1_5-sha256': ['rsa-v1_5-sha256'],
  'ecdsa-sha256': ['ecdsa-p256-sha256'],
  'ecdsa-p256-sha256': ['ecdsa-p256-sha256'],
  'rsa-pss-sha512': ['rsa-pss-sha512'],
  ed25519: ['ed25519'],
  // hs2019: the key decides.
  hs2019: ['rsa-pss-sha512', 'ed25519', 'ecdsa-p256-sha256', 'rsa-v1_5-sha256', 'hmac-sha256', 'hmac-sha512'],
};

function fail(message: string): never {
  throw new ConfigError(`createCavageVerifier: ${message}`);
}

interface CavageChecks extends ReplayWindow {
  readonly required: readonly string[];
  readonly requireDigest: boolean;
  readonly lookup: (keyId: string) => Promise<readonly KeyEntry[]>;
}

/**
 * Creates a verifier for draft-cavage HTTP Signatures (`Signature: keyId=...,headers=...,signature=...` or
 * `Authorization: Signature ...`): the key, the signature over the listed components, the time window, the
 * RFC 3230 `Digest` against the body, and the signature against replay. HMAC is compared in constant time.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const verifier = createCavageVerifier({ keys: { 'client-42': { key: secret(process.env.PARTNER_SECRET!) } } });
 * const result = await verifier.verify(request);
 * ```
 */
export function createCavageVerifier(options: CavageVerifierOptions): CavageVerifier {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const keyEncoding = checkKeyEncoding(options.keyEncoding ?? 'utf8', 'createCavageVerifier: keyEncoding');
  const window = replayWindow(options, 'createCavageVerifier');
  const required = (options.requiredComponents ?? ['(request-target)']).map((c) => c.toLowerCase());
  const requireDigest = options.requireDigest ?? true;
  const keys = options.keys;
  if (typeof keys !== 'function' && (typeof keys !== 'object' || keys === null)) {
    fail('keys must be a record of keyId → key(s), or a lookup function');
  }
  const checks: CavageChecks = { ...window, required, requireDigest, lookup: cavageKeys(keys, keyEncoding) };
  return {
    verify: (request, verifyOptions = {}) => verifyCavage(checks, request, verifyOptions),
  };
}

/** Keys by key id; each key is checked the first time its id is looked up, and imported on first use. */
function cavageKeys(
  keys: CavageVerifierOptions['keys'],
  keyEncoding: KeyEncoding,
): (keyId: string) => Promise<readonly KeyEntry[]> {
  const entries = new WeakMap<CavageVerifierKey, KeyEntry>();
  return async (keyId) => {
    const found =
      typeof keys === 'function' ? await keys(keyId) : Object.hasOwn(keys, keyId) ? keys[keyId] : undefined;
    const list = found === undefined ? [] : Array.isArray(found) ? found : [found as CavageVerifierKey];
    return list.map((key: CavageVerifierKey) => {
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = keyEntry(key, keyEncoding, CAVAGE_ALGORITHMS, `createCavageVerifier: keys["${keyId}"]`);
        entries.set(key, entry);
      }
      return entry;
    });
  };
}

interface CavageSignature {
  readonly keyId: string;
  readonly bytes: Uint8Array;
  readonly params: ReadonlyMap<string, string>;
  /** The `headers` parameter's entries, lower-cased. */
  readonly components: readonly string[];
}

/** The `Signature` header (or `Authorization: Signature ...`), read. */
function readSignature(headers: Headers): CavageSignature | HmacRejected {
  const authorization = headers.get('authorization');
  const text =
    headers.get('signature') ??
    (authorization?.toLowerCase().startsWith('signature ') ? authorization.slice(10) : null);
  if (text === null) return reject('missing-signature', 'no Signature header');
  const params = parseCavageParams(text);
  if (typeof params === 'string') return reject('malformed-signature', params);
  const keyId = params.get('keyid');
  const signatureText = params.get('signature');
  if (keyId === undefined || signatureText === undefined) {
    return reject('malformed-signature', 'keyId and signature are required');
  }
  const bytes = decodeBytes(signatureText, 'base64');
  if (bytes === undefined) return reject('malformed-signature', 'signature is not base64', keyId);
  const components = (params.get('headers') ?? '(created)')
    .toLowerCase()
    .split(' ')
    .filter((c) => c !== '');
  return { keyId, bytes, params, components };
}

/** When it was signed: `(created)` when it is signed, else a signed `Date`. */
function createdMs(signature: CavageSignature, headers: Headers): number | undefined {
  const created = signature.params.get('created');
  if (created !== undefined && signature.components.includes('(created)')) return Number(created) * 1000;
  const date = headers.get('date');
  if (date === null || !signature.components.includes('date')) return undefined;
  const parsed = Date.parse(date);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Whether the RFC 3230 `Digest` has a SHA-256 member (it allows several) that matches the body. */
async function digestMatches(header: string | null, body: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const pending = digestHeader(body);
  const expected = (pending instanceof Promise ? await pending : pending).slice('SHA-256='.length);
  return (
    header?.split(',').some((member) => {
      const item = member.trim();
      return /^sha-256=/i.test(item) && item.slice(8) === expected;
    }) === true
  );
}

async function verifyCavage(
  checks: CavageChecks,
  request: Request,
  verifyOptions: { readonly body?: ContentDigestInput },
): Promise<CavageVerifyResult> {
  const signature = readSignature(request.headers);
  if ('ok' in signature) return signature;
  const { keyId, params, components } = signature;
  const uncovered = checks.required.find((c) => !components.includes(c));
  if (uncovered !== undefined)
    return reject('uncovered-component', `the signature does not cover ${uncovered}`, keyId);
  const created = createdMs(signature, request.headers);
  if (created === undefined)
    return reject('missing-timestamp', 'neither (created) nor date is signed', keyId);
  const expires = params.get('expires');
  const late = checkTime(created, expires === undefined ? undefined : Number(expires) * 1000, checks, keyId);
  if (late) return late;

  const body = await bodyReader(request, verifyOptions, 'CavageVerifier.verify')();
  if (checks.requireDigest && body.length > 0 && !components.includes('digest')) {
    return reject('uncovered-component', 'the signature does not cover digest', keyId);
  }
  if (components.includes('digest') && !(await digestMatches(request.headers.get('digest'), body))) {
    return reject('digest-mismatch', 'Digest does not match the body', keyId);
  }
  const createdParam = params.get('created');
  const signing = cavageSigningString(
    { method: request.method, url: new URL(request.url), headers: request.headers },
    components,
    {
      created: createdParam === undefined ? undefined : Number(createdParam),
      expires: expires === undefined ? undefined : Number(expires),
    },
  );
  if ('missing' in signing)
    return reject('malformed-signature', `the message has no ${signing.missing}`, keyId);

  const entries = await checks.lookup(keyId);
  if (entries.length === 0) return reject('unknown-key', `no key for keyId "${keyId}"`, keyId);
  const named = NAMES_TO_ALGORITHMS[(params.get('algorithm') ?? 'hs2019').toLowerCase()];
  if (named === undefined) return reject('unsupported-algorithm', 'unsupported algorithm', keyId);
  const candidates = entries.filter((e) => named.includes(e.algorithm as CavageAlgorithm));
  const entry = await verifyWithAny(candidates, utf8(signing.text), signature.bytes);
  if (entry === undefined)
    return reject('signature-mismatch', 'the signature does not match the request', keyId);
  // draft-cavage has no nonce: the same signature twice is a replay. Claimed by its bytes, written one way:
  // base64 text that decodes to them may drop or add `=` padding, and would pass as another signature.
  const replay = await claimNonce(encodeBytes(signature.bytes, 'base64'), keyId, created, checks);
  if (replay) return replay;
  return {
    ok: true,
    scheme: 'cavage',
    keyId,
    algorithm: entry.algorithm,
    created: Math.floor(created / 1000),
    components,
  };
}
