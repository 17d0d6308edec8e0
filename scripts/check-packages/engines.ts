// engines: each package's engines.node is no lower than what its installed dependencies need.

import type { Consumer, Pkg, Recorder } from './lib/context.ts';
import { floorOf, formatVersion, satisfies, type Version } from './lib/versions.ts';

/** The install path npm would resolve `name` to from the package installed at `from`. */
export function resolveInLock(lock: Consumer['lock'], from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (!base) return undefined;
    const index = base.lastIndexOf('/node_modules/');
    base = index === -1 ? '' : base.slice(0, index);
  }
}

export function checkEngines(
  pkgs: readonly Pkg[],
  consumer: Consumer,
  matrix: readonly Version[],
  r: Recorder,
): void {
  const table: Record<string, unknown> = {};
  for (const pkg of pkgs) {
    if (!pkg.floor) continue;
    const floor = pkg.floor;
    const start = `node_modules/${pkg.name}`;
    const seen = new Set<string>([start]);
    const queue = [start];
    let strictest: { range: string; by: string } | undefined;
    while (queue.length > 0) {
      const path = queue.shift() as string;
      const entry = consumer.lock[path];
      if (!entry) continue;
      const optional = new Set([
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.entries(entry.peerDependenciesMeta ?? {})
          .filter(([, meta]) => meta.optional)
          .map(([name]) => name),
      ]);
      const peers = new Set(Object.keys(entry.peerDependencies ?? {}));
      for (const name of Object.keys({
        ...entry.dependencies,
        ...entry.optionalDependencies,
        ...entry.peerDependencies,
      })) {
        const target = resolveInLock(consumer.lock, path, name);
        if (!target) {
          if (!optional.has(name)) r.fail(`${pkg.name}: dependency ${name} of ${path} is not installed`);
          continue;
        }
        if (seen.has(target)) continue;
        seen.add(target);
        // A peer is the user's install: its own engines count, what it brings is its own business.
        if (!peers.has(name)) queue.push(target);
        const dep = consumer.lock[target];
        const range =
          dep?.engines && !Array.isArray(dep.engines) ? (dep.engines as { node?: string }).node : undefined;
        if (!range) continue;
        const by = `${target.slice(target.lastIndexOf('node_modules/') + 13)}@${dep?.version}`;
        if (!satisfies(floor, range)) {
          r.fail(`${pkg.name} declares node ${pkg.manifest.engines?.node}, but ${by} needs node ${range}`);
        }
        for (const version of matrix) {
          if (satisfies(version, pkg.manifest.engines?.node ?? '') && !satisfies(version, range)) {
            r.fail(`${pkg.name}: ${by} (node ${range}) does not support Node ${formatVersion(version)}`);
          }
        }
        if (!strictest || !satisfies(floorOf(strictest.range) ?? [0, 0, 0], range)) strictest = { range, by };
      }
    }
    table[pkg.name] = { declared: pkg.manifest.engines?.node, dependencies: seen.size - 1, strictest };
    r.note(
      `${pkg.name}: node ${pkg.manifest.engines?.node}; ${seen.size - 1} installed dependencies` +
        (strictest ? `, strictest ${strictest.by} (${strictest.range})` : ''),
    );
  }
  r.data.engines = table;
}
