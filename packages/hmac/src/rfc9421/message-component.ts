// RFC 9421 §2: component identifiers and their values. Derived components (§2.2) come from the method,
// the target URI and the status; HTTP fields (§2.1) from the headers, whose values `Headers.get` already
// gives as RFC 9421 wants them: each field line trimmed, repeated lines joined with ", ".
import { isHttpToken } from '@attache/core/internal';
import {
  type BareItem,
  isSfKey,
  parseDictionary,
  parseItem,
  type SfItem,
  type SfParameters,
  serializeMember,
  serializeParameters,
} from '../structured-fields.ts';

/** A covered component: its name (`@method`, `content-type`, …) and its parameters (`name`, `key`). */
export interface ComponentId {
  readonly name: string;
  readonly params: SfParameters;
}

/** What a component's value is read from: a request (method and URL) or a response (status). */
export interface MessageView {
  readonly method?: string | undefined;
  readonly url?: URL | undefined;
  readonly status?: number | undefined;
  readonly headers: { get(name: string): string | null };
}

const DERIVED = new Set([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
  '@status',
]);

/** The `Signature-Input` serialization of a component identifier: `"@query-param";name="Pet"`. */
export function serializeComponentId(id: ComponentId): string {
  return `"${id.name}"${serializeParameters(id.params)}`;
}

/** Reads a component identifier from an inner-list item of `Signature-Input`. */
export function componentFromItem(item: SfItem): ComponentId | string {
  if (item.value.type !== 'string') return 'a covered component is not a string';
  const id: ComponentId = { name: item.value.value, params: item.params };
  const problem = checkComponentId(id);
  return problem ?? id;
}

/**
 * Reads a component identifier written in configuration: `@method`, `content-type`,
 * `@query-param;name="Pet"` or the quoted `"@query-param";name="Pet"`.
 */
export function parseComponentId(text: string): ComponentId | string {
  let quoted = text;
  if (!text.startsWith('"')) {
    const semicolon = text.indexOf(';');
    quoted = semicolon < 0 ? `"${text}"` : `"${text.slice(0, semicolon)}"${text.slice(semicolon)}`;
  }
  const item = parseItem(quoted);
  if (typeof item === 'string') return `"${text}" is not a component identifier (${item})`;
  return componentFromItem(item);
}

function checkComponentId(id: ComponentId): string | undefined {
  const { name, params } = id;
  if (name.startsWith('@')) {
    if (!DERIVED.has(name)) return `unknown derived component "${name}"`;
    for (const key of params.keys()) {
      if (!(name === '@query-param' && key === 'name')) return `unsupported parameter ";${key}" on "${name}"`;
    }
    if (name === '@query-param' && params.get('name')?.type !== 'string') {
      return '"@query-param" needs a ;name="..." parameter';
    }
    return undefined;
  }
  if (name !== name.toLowerCase() || !isHttpToken(name)) {
    return `"${name}" is not a lower-case field name`;
  }
  for (const [key, value] of params) {
    if (key !== 'key') return `unsupported parameter ";${key}" on "${name}"`;
    if (value.type !== 'string' || !isSfKey(value.value)) {
      return `";key" on "${name}" must be a dictionary key string`;
    }
  }
  return undefined;
}

/** Form-urlencoded percent-encode set (WHATWG URL), with a space written `%20`, as RFC 9421 §2.2.8 wants. */
function encodeQueryParamPart(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9*\-._]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A component's value, or why it cannot be produced (absent, ambiguous, malformed). */
export type ComponentValue = { readonly value: string } | { readonly error: string };

export function componentValue(view: MessageView, id: ComponentId): ComponentValue {
  const { name } = id;
  if (!name.startsWith('@')) return fieldValue(view, id);
  if (name === '@status') {
    return view.status === undefined
      ? { error: '"@status" applies to responses only' }
      : { value: String(view.status) };
  }
  if (name === '@method') {
    return view.method === undefined
      ? { error: '"@method" applies to requests only' }
      : { value: view.method };
  }
  const url = view.url;
  if (url === undefined) return { error: `"${name}" applies to requests only` };
  switch (name) {
    case '@target-uri':
      // RFC 9110 §7.1: the target URI has no fragment; a request never carries one, so a verifier has none.
      return { value: url.href.split('#', 1)[0]! };
    case '@authority':
      return { value: url.host };
    case '@scheme':
      return { value: url.protocol.slice(0, -1) };
    case '@request-target':
      return { value: `${url.pathname}${url.search}` };
    case '@path':
      return { value: url.pathname === '' ? '/' : url.pathname };
    case '@query':
      return { value: url.search === '' ? '?' : url.search };
    default: {
      const wanted = (id.params.get('name') as Extract<BareItem, { type: 'string' }>).value;
      const values: string[] = [];
      for (const [paramName, paramValue] of new URLSearchParams(url.search)) {
        if (encodeQueryParamPart(paramName) === wanted) values.push(encodeQueryParamPart(paramValue));
      }
      if (values.length === 0) return { error: `query parameter "${wanted}" is absent` };
      // §2.2.8: a repeated parameter cannot be signed unambiguously.
      if (values.length > 1) return { error: `query parameter "${wanted}" appears more than once` };
      return { value: values[0]! };
    }
  }
}

function fieldValue(view: MessageView, id: ComponentId): ComponentValue {
  const raw = view.headers.get(id.name);
  if (raw === null) return { error: `header "${id.name}" is absent` };
  const key = id.params.get('key');
  if (key === undefined) return { value: raw };
  const dictionary = parseDictionary(raw);
  if (typeof dictionary === 'string') return { error: `header "${id.name}" is not a dictionary` };
  const member = dictionary.get((key as Extract<BareItem, { type: 'string' }>).value);
  if (member === undefined) {
    return { error: `header "${id.name}" has no member "${(key as { value: string }).value}"` };
  }
  return { value: serializeMember(member) };
}
