// CommonJS consumer: `require()` of the published packages (ESM only: Node 22.12+ loads them), then the
// shared smoke calls. ATTACHE_SMOKE_PACKAGES narrows the packages (runs on a package's minimum Node).
'use strict';

const { runSmoke, selectedPackages } = require('./checks.cjs');

const names = selectedPackages();
const modules = Object.fromEntries(names.map((name) => [name, require(name)]));
const resolved = Object.fromEntries(names.map((name) => [name, require.resolve(name)]));

runSmoke(modules, resolved, 'cjs').catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
