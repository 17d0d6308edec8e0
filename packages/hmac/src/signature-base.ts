// RFC 9421 §2.5: the signature base is one line per covered component, `"name";params: value`, then the
// `"@signature-params"` line, joined with LF and without a trailing LF.
import {
  type ComponentId,
  componentValue,
  type MessageView,
  serializeComponentId,
} from './message-component.ts';
import {
  type BareItem,
  type SfInnerList,
  type SfParameters,
  serializeInnerList,
  sfString,
} from './structured-fields.ts';

/** The inner list that is both the `Signature-Input` member and the `@signature-params` value. */
export function signatureParamsList(components: readonly ComponentId[], params: SfParameters): SfInnerList {
  return {
    kind: 'inner-list',
    items: components.map((c) => ({ kind: 'item', value: sfString(c.name), params: c.params })),
    params,
  };
}

export type SignatureBase =
  | { readonly base: string; readonly signatureParams: string }
  | { readonly error: string };

/** Builds the signature base of `view` over `components` with the signature parameters `params`. */
export function createSignatureBase(
  view: MessageView,
  components: readonly ComponentId[],
  params: ReadonlyMap<string, BareItem>,
): SignatureBase {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const component of components) {
    const id = serializeComponentId(component);
    if (seen.has(id)) return { error: `component ${id} is listed twice` };
    seen.add(id);
    const value = componentValue(view, component);
    if ('error' in value) return value;
    lines.push(`${id}: ${value.value}`);
  }
  const signatureParams = serializeInnerList(signatureParamsList(components, params));
  lines.push(`"@signature-params": ${signatureParams}`);
  return { base: lines.join('\n'), signatureParams };
}
