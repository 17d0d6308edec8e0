// ESM consumer with `import()`, for runs that load only some packages (ATTACHE_SMOKE_PACKAGES): on a
// package's minimum Node version the packages that need a newer Node are left out, and must refuse to load.
import { fileURLToPath } from 'node:url';
import checks from './checks.cjs';

const modules = {};
const resolved = {};
for (const name of checks.selectedPackages()) {
  modules[name] = await import(name);
  resolved[name] = fileURLToPath(import.meta.resolve(name));
}
// The packages left out need a newer Node: each must refuse to load, with its guard's one sentence.
for (const name of checks.PACKAGES.filter((n) => n.startsWith('@attache/') && !(n in modules))) {
  const refusal = await import(name).then(
    () => undefined,
    (error) => error,
  );
  const sentence = new RegExp(
    `^${name} needs Node\\.js \\d+\\.\\d+ or later; this is Node\\.js ${process.versions.node}\\.$`,
  );
  if (!(refusal instanceof RangeError) || !sentence.test(refusal.message)) {
    throw new TypeError(
      `${name} on Node ${process.versions.node}: expected its engines guard, got ${refusal}`,
    );
  }
}
await checks.runSmoke(modules, resolved, 'esm');
