import { ConfigError } from '../errors.ts';

/**
 * RFC 9110 §5.6.2 `token`: what header field names, authentication schemes and auth-param names are made
 * of. One definition, so every package accepts and refuses the same names.
 */
export const HTTP_TOKEN: RegExp = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `value` is a non-empty RFC 9110 `token`. */
export function isHttpToken(value: string): boolean {
  return HTTP_TOKEN.test(value);
}

/**
 * Calls an `onEvent` listener with `event`, if there is one. A listener is the user's code running inside
 * ours: whatever it throws is dropped, so a faulty listener cannot fail a request, a token fetch or a reload.
 */
export function callListener<E>(listener: ((event: E) => void) | undefined, event: E): void {
  if (listener === undefined) return;
  try {
    listener(event);
  } catch {
    // Dropped on purpose: see above.
  }
}

/** What {@link checkNumber} accepts. */
export interface NumberRule {
  /** `'positive'`: above zero; `'non-negative'`: zero or more. */
  readonly min: 'positive' | 'non-negative';
  /** Integers only. Default `false`. */
  readonly integer?: boolean;
  /** The unit the message names (`'ms'`, `'seconds'`). */
  readonly unit?: string;
  /** The largest value accepted, inclusive. */
  readonly max?: number;
}

/**
 * Checks a numeric option: a finite number within `rule`, else a {@link ConfigError} that names the field,
 * the rule and the value given (a number or a type: options never hold secrets as numbers).
 *
 * @throws {ConfigError} when `value` breaks the rule.
 */
export function checkNumber(value: unknown, field: string, rule: NumberRule): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.min === 'positive' ? value > 0 : value >= 0) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.max === undefined || value <= rule.max);
  if (ok) return value;
  const kind = rule.integer === true ? 'integer' : 'number';
  const unit = rule.unit === undefined ? '' : ` of ${rule.unit}`;
  const max = rule.max === undefined ? '' : ` up to ${rule.max}`;
  const given =
    typeof value === 'number' || value === undefined || value === null ? String(value) : typeof value;
  throw new ConfigError(`${field} must be a ${rule.min} ${kind}${unit}${max}, got ${given}`);
}

/** {@link checkNumber} for an optional option: `undefined` passes through. */
export function checkOptionalNumber(value: unknown, field: string, rule: NumberRule): number | undefined {
  return value === undefined ? undefined : checkNumber(value, field, rule);
}
