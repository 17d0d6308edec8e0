// Versions and ranges: enough of semver for engines fields.

export type Version = readonly [number, number, number];

export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function formatVersion(version: Version): string {
  return version.join('.');
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `version` is in `range` (npm range syntax: `||`, comparators, `^`, `~`, x-ranges, hyphens). */
export function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((part) => {
    const normalized = part.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(normalized);
    const comparators = hyphen
      ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`]
      : normalized.split(/\s+/).filter(Boolean);
    return comparators.every((comparator) => matchesComparator(version, comparator));
  });
}

export function matchesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?v?(.*)$/.exec(comparator);
  const op = match?.[1] ?? '=';
  const parts = (match?.[2] ?? '').split('.');
  if (parts.length > 3 || !parts.every((p) => /^(\d+|x|X|\*|)$/.test(p))) {
    throw new RangeError(`unsupported version range comparator ${JSON.stringify(comparator)}`);
  }
  const number = (p: string | undefined): number | undefined =>
    p && /^\d+$/.test(p) ? Number(p) : undefined;
  const major = number(parts[0]);
  const minor = number(parts[1]);
  const patch = number(parts[2]);
  if (major === undefined) return true;
  const low: Version = [major, minor ?? 0, patch ?? 0];
  const cmp = compareVersions(version, low);
  // The first version past a partial version (22 → 23.0.0, 22.1 → 22.2.0).
  const pastPartial: Version =
    minor === undefined
      ? [major + 1, 0, 0]
      : patch === undefined
        ? [major, minor + 1, 0]
        : [major, minor, patch + 1];
  switch (op) {
    case '>=':
      return cmp >= 0;
    case '>':
      return compareVersions(version, pastPartial) >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return compareVersions(version, pastPartial) < 0;
    case '^': {
      const upper: Version =
        major > 0 || minor === undefined
          ? [major + 1, 0, 0]
          : minor > 0 || patch === undefined
            ? [0, minor + 1, 0]
            : [0, 0, patch + 1];
      return cmp >= 0 && compareVersions(version, upper) < 0;
    }
    case '~': {
      const upper: Version = minor === undefined ? [major + 1, 0, 0] : [major, minor + 1, 0];
      return cmp >= 0 && compareVersions(version, upper) < 0;
    }
    default:
      return cmp >= 0 && compareVersions(version, pastPartial) < 0;
  }
}

/** `>=22.12` → 22.12.0. Only that form is accepted in our own manifests. */
export function floorOf(range: string | undefined): Version | undefined {
  const match = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range?.trim() ?? '');
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}
