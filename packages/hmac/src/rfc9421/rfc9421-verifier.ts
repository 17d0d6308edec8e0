import { ConfigError } from '@attache/core';
import { checkContentDigest } from '../content-digest.ts';
import { utf8 } from '../encoding.ts';
import type { HmacVerifierOptions, HmacVerifyOptions } from '../hmac-verifier.ts';
import { RFC9421_ALGORITHMS, type SignatureAlgorithm } from '../signature-algorithm.ts';
import { isSfKey, parseDictionary, type SfInnerList } from '../structured-fields.ts';
import { type KeyEntry, verifyWithAny } from '../verifier-keys.ts';
import { bodyReader, messageView } from '../verify-message.ts';
import { type HmacRejected, type HmacVerifyResult, reject, type SchemeVerify } from '../verify-result.ts';
import { checkTime, claimNonce, type VerifyContext } from '../verify-window.ts';
import {
  type ComponentId,
  componentFromItem,
  parseComponentId,
  serializeComponentId,
} from './message-component.ts';
import { createSignatureBase } from './signature-base.ts';
import { readParams, type SignatureParams } from './signature-params.ts';

const TARGET_URI_IMPLIES = ['"@scheme"', '"@authority"', '"@path"', '"@query"', '"@request-target"'];
const REQUEST_TARGET_IMPLIES = ['"@path"', '"@query"'];

function fail(message: string): never {
  throw new ConfigError(`createHmacVerifier: ${message}`);
}

interface Rfc9421Checks {
  readonly label: string | undefined;
  /** Serialized component identifiers. */
  readonly required: readonly string[];
  readonly requireContentDigest: boolean;
}

/** Verifies the signature `label` names (or the first), over its components, with the key its `keyid` names. */
export function rfc9421Verifier(options: HmacVerifierOptions, context: VerifyContext): SchemeVerify {
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
  const checks: Rfc9421Checks = {
    label,
    required,
    requireContentDigest: options.requireContentDigest ?? true,
  };
  return (message, verifyOptions) => verifyRfc9421(checks, context, message, verifyOptions);
}

async function verifyRfc9421(
  checks: Rfc9421Checks,
  context: VerifyContext,
  message: Request | Response,
  verifyOptions: HmacVerifyOptions,
): Promise<HmacVerifyResult> {
  const found = findSignature(message.headers, checks.label);
  if ('ok' in found) return found;
  const { keyId, created, expires, alg } = found.params;
  const nonce = found.params.nonce || undefined;
  const components = found.components;
  const covered = new Set(components.map(serializeComponentId));
  if (covered.has('"@target-uri"')) for (const id of TARGET_URI_IMPLIES) covered.add(id);
  if (covered.has('"@request-target"')) for (const id of REQUEST_TARGET_IMPLIES) covered.add(id);
  const readBody = bodyReader(message, verifyOptions, 'HmacVerifier.verify');
  const mustCover = [...checks.required];
  if (checks.requireContentDigest && (verifyOptions.body !== undefined || message.body !== null)) {
    if ((await readBody()).length > 0) mustCover.push('"content-digest"');
  }
  const uncovered = mustCover.find((id) => !covered.has(id));
  if (uncovered !== undefined) {
    return reject('uncovered-component', `the signature does not cover ${uncovered}`, keyId);
  }

  if (created === undefined) return reject('missing-timestamp', 'no created parameter', keyId);
  const late = checkTime(created * 1000, expires === undefined ? undefined : expires * 1000, context, keyId);
  if (late) return late;
  if (nonce === undefined && context.requireNonce) {
    return reject('missing-nonce', 'no nonce parameter', keyId);
  }
  const candidates = await keysFor(context, keyId, alg);
  if ('ok' in candidates) return candidates;

  // Covered as a whole or by one member (`;key="sha-256"`): either way the field is what proves the body.
  if (components.some((c) => c.name === 'content-digest')) {
    const digest = message.headers.get('content-digest');
    if (digest !== null) {
      const check = await checkContentDigest(digest, await readBody());
      if (check !== 'ok') {
        return reject('digest-mismatch', `Content-Digest does not prove the body (${check})`, keyId);
      }
    }
  }
  const base = createSignatureBase(messageView(message), components, found.input.params);
  if ('error' in base) return reject('malformed-signature', base.error, keyId);

  const entry = await verifyWithAny(candidates, utf8(base.base), found.signature);
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
    label: found.label,
    components: components.map(serializeComponentId),
  };
}

interface FoundSignature {
  readonly label: string;
  readonly input: SfInnerList;
  readonly signature: Uint8Array;
  readonly params: SignatureParams;
  readonly components: readonly ComponentId[];
}

/** The labelled (or first) signature of `Signature-Input` and `Signature`, read. */
function findSignature(headers: Headers, label: string | undefined): FoundSignature | HmacRejected {
  const inputHeader = headers.get('signature-input');
  const signatureHeader = headers.get('signature');
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
  const components: ComponentId[] = [];
  for (const item of input.items) {
    const id = componentFromItem(item);
    if (typeof id === 'string') return reject('malformed-signature', id, params.keyId);
    components.push(id);
  }
  return { label: chosen, input, signature: signature.value.value, params, components };
}

/** The key id's keys that `alg`, when present, allows. RFC 9421 §3.3.7: the key decides the algorithm. */
async function keysFor(
  context: VerifyContext,
  keyId: string,
  alg: string | undefined,
): Promise<readonly KeyEntry[] | HmacRejected> {
  const entries = await context.lookup(keyId);
  if (entries.length === 0) return reject('unknown-key', `no key for key id "${keyId}"`, keyId);
  if (alg !== undefined && !RFC9421_ALGORITHMS.includes(alg as SignatureAlgorithm)) {
    return reject('unsupported-algorithm', `unsupported alg "${alg}"`, keyId);
  }
  const candidates = alg === undefined ? entries : entries.filter((e) => e.algorithm === alg);
  if (candidates.length === 0) {
    return reject('unsupported-algorithm', `no key for "${keyId}" uses ${alg}`, keyId);
  }
  return candidates;
}
