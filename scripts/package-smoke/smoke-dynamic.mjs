// ESM consumer with `import()`, for runs that load only some packages (ATTACHE_SMOKE_PACKAGES): on a
// package's minimum Node version the packages that need a newer Node are left out.
import { fileURLToPath } from 'node:url';
import checks from './checks.cjs';

const modules = {};
const resolved = {};
for (const name of checks.selectedPackages()) {
  modules[name] = await import(name);
  resolved[name] = fileURLToPath(import.meta.resolve(name));
}
await checks.runSmoke(modules, resolved, 'esm');
