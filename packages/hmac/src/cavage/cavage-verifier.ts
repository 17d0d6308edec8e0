import { ConfigError } from '@attache/core';
import { bodyBytes, type ContentDigestInput } from '../content-digest.ts';
import { decodeBytes, KEY_ENCODINGS, type KeyEncoding, utf8 } from '../encoding.ts';
import type { HmacRejected, HmacRejectionReason } from '../hmac-verifier.ts';
import { createMemoryNonceStore, type NonceStore } from '../nonce-store.ts';
import {
  checkAlgorithm,
  importPreparedKey,
  type KeyMaterial,
  prepareKey,
  type SignatureAlgorithm,
  verifyBytes,
} from '../signature-algorithm.ts';
import type { CavageAlgorithm } from './cavage-auth.ts';
import { digestHeader } from './digest-header.ts';
import { CAVAGE_ALGORITHM_NAMES, cavageSigningString, parseCavageParams } from './signing-string.ts';

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

function reject(reason: HmacRejectionReason, message: string, keyId?: string): HmacRejected {
  return keyId === undefined ? { ok: false, reason, message } : { ok: false, reason, message, keyId };
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
  const keyEncoding = options.keyEncoding ?? 'utf8';
  if (!KEY_ENCODINGS.includes(keyEncoding)) fail(`keyEncoding must be one of ${KEY_ENCODINGS.join(', ')}`);
  const tolerance = (options.tolerance ?? 300) * 1000;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) fail('tolerance must be a positive number of seconds');
  const now = options.now ?? Date.now;
  const nonceStore = options.nonceStore ?? createMemoryNonceStore({ now });
  const required = (options.requiredComponents ?? ['(request-target)']).map((c) => c.toLowerCase());
  const requireDigest = options.requireDigest ?? true;
  const keys = options.keys;
  if (typeof keys !== 'function' && (typeof keys !== 'object' || keys === null)) {
    fail('keys must be a record of keyId → key(s), or a lookup function');
  }
  const imported = new Map<CavageVerifierKey, Promise<CryptoKey>>();
  const lookup = async (keyId: string): Promise<readonly CavageVerifierKey[]> => {
    const found =
      typeof keys === 'function' ? await keys(keyId) : Object.hasOwn(keys, keyId) ? keys[keyId] : undefined;
    return found === undefined ? [] : Array.isArray(found) ? found : [found as CavageVerifierKey];
  };
  const cryptoKey = (
    entry: CavageVerifierKey,
    algorithm: CavageAlgorithm,
    keyId: string,
  ): Promise<CryptoKey> => {
    let pending = imported.get(entry);
    if (pending === undefined) {
      const field = `keys["${keyId}"]`;
      const prepared = prepareKey(
        entry.key,
        algorithm,
        'verify',
        keyEncoding,
        `createCavageVerifier: ${field}`,
      );
      pending = importPreparedKey(prepared, algorithm, 'verify');
      imported.set(entry, pending);
    }
    return pending;
  };

  return {
    async verify(request, verifyOptions = {}) {
      const authorization = request.headers.get('authorization');
      const text =
        request.headers.get('signature') ??
        (authorization?.toLowerCase().startsWith('signature ') ? authorization.slice(10) : null);
      if (text === null) return reject('missing-signature', 'no Signature header');
      const params = parseCavageParams(text);
      if (typeof params === 'string') return reject('malformed-signature', params);
      const keyId = params.get('keyid');
      const signatureText = params.get('signature');
      if (keyId === undefined || signatureText === undefined) {
        return reject('malformed-signature', 'keyId and signature are required');
      }
      const signature = decodeBytes(signatureText, 'base64');
      if (signature === undefined) return reject('malformed-signature', 'signature is not base64', keyId);
      const components = (params.get('headers') ?? '(created)')
        .toLowerCase()
        .split(' ')
        .filter((c) => c !== '');
      const uncovered = required.find((c) => !components.includes(c));
      if (uncovered !== undefined)
        return reject('uncovered-component', `the signature does not cover ${uncovered}`, keyId);

      const createdText = params.get('created');
      const dateText = request.headers.get('date');
      let createdMs: number | undefined;
      if (createdText !== undefined && components.includes('(created)'))
        createdMs = Number(createdText) * 1000;
      else if (dateText !== null && components.includes('date')) {
        const parsed = Date.parse(dateText);
        createdMs = Number.isNaN(parsed) ? undefined : parsed;
      }
      if (createdMs === undefined)
        return reject('missing-timestamp', 'neither (created) nor date is signed', keyId);
      const time = now();
      if (createdMs - time > tolerance) return reject('future-timestamp', 'dated in the future', keyId);
      if (time - createdMs > tolerance) return reject('expired', 'signed beyond the tolerance window', keyId);
      const expires = params.get('expires');
      if (expires !== undefined && time > Number(expires) * 1000)
        return reject('expired', 'past its expires time', keyId);

      const body =
        verifyOptions.body !== undefined
          ? bodyBytes(verifyOptions.body)
          : request.body === null
            ? new Uint8Array(0)
            : new Uint8Array(await request.clone().arrayBuffer());
      if (requireDigest && body.length > 0 && !components.includes('digest')) {
        return reject('uncovered-component', 'the signature does not cover digest', keyId);
      }
      if (components.includes('digest')) {
        const given = request.headers.get('digest');
        const pending = digestHeader(body);
        const expected = (pending instanceof Promise ? await pending : pending).slice('SHA-256='.length);
        // RFC 3230 allows several digests: the SHA-256 one must match.
        const matches = given?.split(',').some((member) => {
          const item = member.trim();
          return /^sha-256=/i.test(item) && item.slice(8) === expected;
        });
        if (matches !== true) return reject('digest-mismatch', 'Digest does not match the body', keyId);
      }
      const signing = cavageSigningString(
        { method: request.method, url: new URL(request.url), headers: request.headers },
        components,
        {
          created: createdText === undefined ? undefined : Number(createdText),
          expires: expires === undefined ? undefined : Number(expires),
        },
      );
      if ('missing' in signing)
        return reject('malformed-signature', `the message has no ${signing.missing}`, keyId);

      const entries = await lookup(keyId);
      if (entries.length === 0) return reject('unknown-key', `no key for keyId "${keyId}"`, keyId);
      const named = NAMES_TO_ALGORITHMS[(params.get('algorithm') ?? 'hs2019').toLowerCase()];
      if (named === undefined) return reject('unsupported-algorithm', 'unsupported algorithm', keyId);
      let matched: CavageAlgorithm | undefined;
      for (const entry of entries) {
        const algorithm = checkAlgorithm(
          entry.algorithm ?? 'hmac-sha256',
          Object.keys(CAVAGE_ALGORITHM_NAMES) as SignatureAlgorithm[],
          `createCavageVerifier: keys["${keyId}"].algorithm`,
        ) as CavageAlgorithm;
        if (!named.includes(algorithm)) continue;
        if (
          await verifyBytes(
            algorithm,
            await cryptoKey(entry, algorithm, keyId),
            utf8(signing.text),
            signature,
          )
        ) {
          matched = algorithm;
          break;
        }
      }
      if (matched === undefined)
        return reject('signature-mismatch', 'the signature does not match the request', keyId);
      if (
        nonceStore !== false &&
        !(await nonceStore.claim(`${keyId}\n${signatureText}`, createdMs + tolerance))
      ) {
        return reject('replayed-nonce', 'this signature was already used', keyId);
      }
      return {
        ok: true,
        scheme: 'cavage',
        keyId,
        algorithm: matched,
        created: Math.floor(createdMs / 1000),
        components,
      };
    },
  };
}
