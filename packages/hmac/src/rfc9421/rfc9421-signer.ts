import { ConfigError } from '@attache/core';
import {
  type ContentDigestAlgorithm,
  checkContentDigest,
  checkDigestAlgorithms,
  hashNow,
} from '../content-digest.ts';
import { encodeBytes } from '../encoding.ts';
import type { HmacAuthOptions } from '../hmac-auth.ts';
import { type SchemeSign, streamBodyError } from '../scheme-sign.ts';
import type { SignatureAlgorithm } from '../signature-algorithm.ts';
import { draftBody } from '../signer-authenticator.ts';
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
} from '../structured-fields.ts';
import { type ComponentId, parseComponentId } from './message-component.ts';
import {
  type ComponentPlan,
  createPlannedBase,
  planComponents,
  signatureParamsList,
} from './signature-base.ts';

// Credentials other authenticators may have put on the request, covered by default when present.
const OPTIONAL_COVERED = ['content-type', 'authorization', 'dpop', 'x-api-key', 'idempotency-key'];

function fail(message: string): never {
  throw new ConfigError(`hmacAuth: ${message}`);
}

/** The configured components' plan, serialized once; `undefined` for the default, which depends on the request. */
function configuredPlan(components: readonly string[] | undefined): ComponentPlan | undefined {
  if (components === undefined) return undefined;
  if (!Array.isArray(components)) fail('components must be a list of component identifiers');
  const plan = planComponents(
    components.map((text) => {
      const id = typeof text === 'string' ? parseComponentId(text) : 'not a string';
      if (typeof id === 'string') fail(`components: ${id}`);
      return id;
    }),
  );
  if (typeof plan === 'string') fail(`components: ${plan}`);
  return plan;
}

/** Writes `Signature-Input` and `Signature` (and `Content-Digest` when it is covered), keeping other signatures. */
export function rfc9421Signer(
  options: HmacAuthOptions,
  algorithm: SignatureAlgorithm,
  nextNonce: () => string | undefined,
): SchemeSign {
  const label = options.label ?? 'sig1';
  if (typeof label !== 'string' || !isSfKey(label)) {
    fail('label must be a structured-field key (lower-case letters, digits, "_", "-", ".", "*")');
  }
  const fixedPlan = configuredPlan(options.components);
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
  // What stays the same on every signature is serialized once. The order is RFC 9421's: created, expires,
  // keyid, alg, nonce, tag.
  const algParam = algParameter ? `;alg=${serializeBareItem(sfString(algorithm))}` : '';
  const tagParam = tag === undefined ? '' : `;tag=${serializeBareItem(sfString(tag))}`;
  const defaultPlans = new Map<string, ComponentPlan>();

  return async (draft, context, signingKey) => {
    const body = draftBody(draft);
    const headers = draft.headers;
    const plan = fixedPlan ?? defaultPlan(defaultPlans, headers, body !== undefined);
    const components = plan.components;
    if (components.some((c) => c.name === 'content-digest')) {
      if (body === null) streamBodyError();
      await setContentDigest(headers, body ?? new Uint8Array(0), digestAlgorithm!);
    }
    const created = Math.floor(context.clock.now() / 1000);
    const keyId = signingKey.keyId;
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
    const signing = signingKey.sign(base.base);
    const signature = signing instanceof Promise ? await signing : signing;
    // The structured forms are needed only to merge with another signature already on the request.
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

/** A caller's own Content-Digest is kept when it is right for these bytes, and replaced when it is not. */
async function setContentDigest(
  headers: Headers,
  bytes: Uint8Array<ArrayBuffer>,
  algorithm: ContentDigestAlgorithm,
): Promise<void> {
  const existing = headers.get('content-digest');
  if (existing !== null && (await checkContentDigest(existing, bytes)) === 'ok') return;
  const pending = hashNow(algorithm, bytes);
  const digest = pending instanceof Promise ? await pending : pending;
  // One RFC 9530 member: `sha-256=:<base64>:`, as contentDigest() writes it.
  headers.set('content-digest', `${algorithm}=:${encodeBytes(digest, 'base64')}:`);
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
