// Checks the published shape of every @attache/* package, on the artifacts users get: the tarballs
// `pnpm pack` makes.
//
//   manifest    package.json metadata, README, CHANGELOG, dist built from the current src
//   changesets  pending changesets name real packages; `changeset version` (dry run in a copy) works
//   pack        `pnpm pack`; what the tarball holds (export targets, source maps, no workspace: ranges)
//   publint     publint --strict on each tarball
//   attw        are-the-types-wrong on each tarball (ESM-only profile)
//   install     the tarballs (plus their registry dependencies) installed with npm into a scratch project
//   engines     each package's engines.node is no lower than what its installed dependencies need
//   smoke       ESM `import` and CommonJS `require()` consumers calling every package, on Node 22, 24 and 26
//               (npm's `node` package, cached) and on each package's declared minimum Node version
//   types       consumer projects type-checked against the installed packages (skipLibCheck off)
//   bundles     browser bundles through esbuild (platform browser): no Node built-in imported, sizes
//
// Run after `pnpm build`:  pnpm exec node scripts/check-packages/index.ts [options]
//   --only=step,step      run these steps (and the ones they need)
//   --allow-warning=CODE  a runtime warning (e.g. DEP0204) printed by a smoke run is reported, not failed
//   --no-floors           skip the runs on each package's minimum Node version
//   --keep                keep the scratch directory
// Needs the npm registry (the scratch install, Node binaries), `openssl` and `redis-server` (or
// $REDIS_SERVER). Node binaries are cached in $ATTACHE_CHECK_CACHE (default ~/.cache/attache-check).
// Writes .reports/check-packages.json; exits 1 when a step fails.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runAttw } from './attw.ts';
import { bundles } from './bundles.ts';
import { checkChangesets } from './changesets.ts';
import { typeCheck } from './consumer-types.ts';
import { checkEngines } from './engines.ts';
import { installConsumer } from './install.ts';
import { NODE_LINES, type Recorder, ROOT, type StepResult } from './lib/context.ts';
import { discover } from './lib/discover.ts';
import { parseOptions, type StepName } from './lib/options.ts';
import { parseVersion, type Version } from './lib/versions.ts';
import { checkManifest, checkTypedoc } from './manifest.ts';
import { packAll } from './pack.ts';
import { runPublint } from './publint.ts';
import { smoke } from './smoke.ts';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const results: StepResult[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'attache-check-'));
  const step = async <T>(name: string, body: (r: Recorder) => Promise<T> | T): Promise<T | undefined> => {
    const result: StepResult = { step: name, ok: true, ms: 0, failures: [], notes: [], data: {} };
    const recorder: Recorder = {
      fail: (message) => result.failures.push(message),
      note: (message) => result.notes.push(message),
      data: result.data,
    };
    const t0 = performance.now();
    process.stdout.write(`::: ${name}\n`);
    let value: T | undefined;
    try {
      value = await body(recorder);
    } catch (error) {
      result.failures.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    result.ms = Math.round(performance.now() - t0);
    result.ok = result.failures.length === 0;
    results.push(result);
    for (const note of result.notes) process.stdout.write(`  ${note}\n`);
    for (const failure of result.failures) process.stdout.write(`  ✗ ${failure}\n`);
    process.stdout.write(
      `::: ${name}: ${result.ok ? 'ok' : 'FAILED'} (${(result.ms / 1000).toFixed(1)} s)\n`,
    );
    // Later steps still run on what a failed step produced (tarballs with a problem can still be installed).
    return value;
  };
  const wants = (name: StepName): boolean => options.only.has(name);

  const pkgs =
    (await step('discover packages', async (r) => {
      const found = await discover();
      if (found.length === 0) r.fail('no packages under packages/');
      r.note(found.map((pkg) => `${pkg.name}@${pkg.manifest.version}`).join(', '));
      return found;
    })) ?? [];

  if (wants('manifest')) {
    await step('manifest: package.json, README, CHANGELOG, fresh dist', async (r) => {
      for (const pkg of pkgs) await checkManifest(pkg, r);
      await checkTypedoc(pkgs, r);
    });
  }
  if (wants('changesets')) await step('changesets', (r) => checkChangesets(pkgs, r, tmp));

  const packed = wants('pack')
    ? await step('pack (pnpm pack) and tarball contents', (r) => packAll(pkgs, r, tmp))
    : undefined;
  if (packed && wants('publint')) await step('publint --strict (each tarball)', (r) => runPublint(packed, r));
  if (packed && wants('attw'))
    await step('attw --profile esm-only (each tarball)', (r) => runAttw(packed, r));
  const consumer =
    packed && wants('install')
      ? await step('install the tarballs into a scratch project (npm)', (r) =>
          installConsumer(packed, r, tmp),
        )
      : undefined;
  if (consumer) {
    const matrix = [...NODE_LINES, process.versions.node].map((v) => parseVersion(v) as Version);
    if (wants('engines'))
      await step('engines: declared Node versions against dependencies', (r) =>
        checkEngines(pkgs, consumer, matrix, r),
      );
    if (wants('smoke'))
      await step('smoke: ESM import and CommonJS require on Node 22/24/26 and engine floors', (r) =>
        smoke(pkgs, consumer, options, r, tmp),
      );
    if (wants('types'))
      await step('types: consumer projects type-checked against the tarballs', (r) =>
        typeCheck(pkgs, consumer, r),
      );
    if (wants('bundles'))
      await step('bundles: esbuild, platform browser, no Node built-ins', (r) => bundles(pkgs, consumer, r));
  }

  const failed = results.filter((result) => !result.ok);
  const seconds = (performance.now() - started) / 1000;
  const report = {
    ok: failed.length === 0,
    seconds: Math.round(seconds * 10) / 10,
    node: process.version,
    steps: results,
  };
  await mkdir(join(ROOT, '.reports'), { recursive: true });
  await writeFile(join(ROOT, '.reports', 'check-packages.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (options.keep || failed.length > 0) process.stdout.write(`scratch directory kept: ${tmp}\n`);
  else await rm(tmp, { recursive: true, force: true });
  process.stdout.write(
    `check-packages: ${results.length} steps, ${failed.length} failed` +
      (failed.length ? ` (${failed.map((f) => f.step.split(':')[0]).join(', ')})` : '') +
      ` in ${seconds.toFixed(1)} s; report: ${relative(ROOT, join(ROOT, '.reports', 'check-packages.json'))}\n`,
  );
  process.exitCode = failed.length > 0 ? 1 : 0;
}

await main();
