/**
 * A read-only view of `counts` whose properties always read the current values: what the mocks hand out
 * as `calls`, so a test can keep the object and read it after more requests. `derived` adds counts computed
 * from the others.
 */
export function liveCounts<T extends Record<string, number>, D extends Record<string, () => number>>(
  counts: T,
  derived?: D,
): Readonly<T & { [K in keyof D]: number }> {
  const view = {};
  const getters: Record<string, () => number> = { ...derived };
  for (const key of Object.keys(counts)) getters[key] = () => counts[key] as number;
  for (const [key, get] of Object.entries(getters))
    Object.defineProperty(view, key, { get, enumerable: true });
  return Object.freeze(view) as Readonly<T & { [K in keyof D]: number }>;
}
