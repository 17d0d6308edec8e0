// RFC 9421 §2.5: the signature base is one line per covered component, `"name";params: value`, then the
// `"@signature-params"` line, joined with LF and without a trailing LF.

import {
  type BareItem,
  type SfInnerList,
  type SfParameters,
  serializeInnerList,
  sfString,
} from '../structured-fields.ts';
import {
  type ComponentId,
  componentValue,
  type MessageView,
  serializeComponentId,
} from './message-component.ts';

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
  const plan = planComponents(components);
  if (typeof plan === 'string') return { error: plan };
  return createPlannedBase(view, plan, serializeInnerList(signatureParamsList(components, params)));
}

/** Covered components with their serialized identifiers, worked out once for a signer's every request. */
export interface ComponentPlan {
  readonly components: readonly ComponentId[];
  /** `"@method"`, `"content-digest"`, `"x-h";sf` … in order. */
  readonly ids: readonly string[];
}

/** The plan for `components`, or why they cannot be covered (one listed twice). */
export function planComponents(components: readonly ComponentId[]): ComponentPlan | string {
  const ids = components.map(serializeComponentId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  return duplicate === undefined ? { components, ids } : `component ${duplicate} is listed twice`;
}

/** The signature base of `view` by a plan, with the `@signature-params` value already serialized. */
export function createPlannedBase(
  view: MessageView,
  plan: ComponentPlan,
  signatureParams: string,
): SignatureBase {
  let base = '';
  for (let i = 0; i < plan.ids.length; i++) {
    const value = componentValue(view, plan.components[i]!);
    if ('error' in value) return value;
    base += `${plan.ids[i]}: ${value.value}\n`;
  }
  return { base: `${base}"@signature-params": ${signatureParams}`, signatureParams };
}
