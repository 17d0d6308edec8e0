/** A check of one JSON value. */
export type FieldCheck = (value: unknown) => boolean;

/** A JSON object: not `null`, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isString: FieldCheck = (value) => typeof value === 'string';

export const isNonEmptyString: FieldCheck = (value) => typeof value === 'string' && value.length > 0;

export const isStringList: FieldCheck = (value) =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A JSON object whose every value is a string (a `__proto__` key among them holds an object, so is refused). */
export const isStringMap: FieldCheck = (value) =>
  isJsonObject(value) && Object.values(value).every((item) => typeof item === 'string');

/**
 * The fields of a JSON object a server sent, copied onto a fresh object, but for those in `skip` and a
 * `__proto__` key (as an own field it would replace the prototype of whatever the copy is later assigned into).
 */
export function serverFields(
  object: Record<string, unknown>,
  skip?: ReadonlySet<string>,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(object)) {
    if (name !== '__proto__' && skip?.has(name) !== true) copy[name] = value;
  }
  return copy;
}

/** `check`, or absent. A `null` is not absent: a server that sends one has sent a value of the wrong type. */
export function optional(check: FieldCheck): FieldCheck {
  return (value) => value === undefined || check(value);
}

/**
 * The first field, in the order `checks` lists them, whose value in `object` fails its check; `undefined`
 * when every field passes. Fields `checks` does not name are not looked at.
 */
export function invalidField(
  object: Record<string, unknown>,
  checks: Readonly<Record<string, FieldCheck>>,
): string | undefined {
  for (const [name, check] of Object.entries(checks)) {
    if (!check(Object.hasOwn(object, name) ? object[name] : undefined)) return name;
  }
  return undefined;
}
