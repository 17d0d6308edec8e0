// smoke: ESM `import` and CommonJS `require()` consumers calling every package, on Node 22, 24 and 26
// (npm's `node` package, cached) and on each package's declared minimum Node version.

import { copyFile, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from './lib/certificates.ts';
import { type Consumer, FIXTURES, NODE_LINES, type Pkg, type Recorder } from './lib/context.ts';
import { ensureNode } from './lib/node-binaries.ts';
import type { Options } from './lib/options.ts';
import { startRedis } from './lib/redis.ts';
import { describeRun, indent, mapLimit, run } from './lib/run.ts';
import { isExpectedWarning, readWarnings } from './lib/runtime-warnings.ts';
import { compareVersions, formatVersion, parseVersion, type Version } from './lib/versions.ts';

export interface SmokeRun {
  readonly label: string;
  readonly node: string;
  readonly bin: string;
  readonly file: string;
  /** Packages to load; undefined: all of them (the full consumer). */
  readonly packages: readonly string[] | undefined;
}

export interface SmokeSummary {
  readonly mode: string;
  readonly node: string;
  readonly packages: readonly string[];
  readonly checks: readonly { name: string; ms: number }[];
  readonly skipped: readonly string[];
  readonly ms: number;
}

export async function smoke(
  pkgs: readonly Pkg[],
  consumer: Consumer,
  options: Options,
  r: Recorder,
  tmp: string,
): Promise<void> {
  for (const file of await readdir(FIXTURES)) {
    if (/^(smoke|checks)/.test(file)) await copyFile(join(FIXTURES, file), join(consumer.dir, file));
  }
  const certs = join(tmp, 'certs');
  if (!(await makeCertificates(certs, r))) return;
  const redis = pkgs.some((pkg) => pkg.name === '@attache/token-store-redis')
    ? await startRedis(join(tmp, 'redis'), r)
    : undefined;
  try {
    await smokeRuns(pkgs, consumer, options, r, certs, redis?.url);
  } finally {
    redis?.stop();
  }
}

export async function smokeRuns(
  pkgs: readonly Pkg[],
  consumer: Consumer,
  options: Options,
  r: Recorder,
  certs: string,
  redisUrl: string | undefined,
): Promise<void> {
  const lines = [...NODE_LINES, process.versions.node].sort((a, b) =>
    compareVersions(parseVersion(a) as Version, parseVersion(b) as Version),
  );
  if (!process.versions.node.startsWith('24.'))
    r.fail(`run this with the repository's Node 24 (is ${process.version})`);
  const floors = new Map<string, string[]>();
  if (options.floors) {
    for (const pkg of pkgs) {
      if (!pkg.floor) continue;
      const floor = formatVersion(pkg.floor);
      if (lines.includes(floor)) continue;
      floors.set(floor, []);
    }
    for (const [floor, names] of floors) {
      const version = parseVersion(floor) as Version;
      for (const pkg of pkgs) if (pkg.floor && compareVersions(pkg.floor, version) <= 0) names.push(pkg.name);
    }
  }
  const bins = new Map<string, string>();
  const versions = [...lines, ...floors.keys()];
  const found = await Promise.all(versions.map((version) => ensureNode(version, r)));
  versions.forEach((version, index) => {
    const bin = found[index];
    if (bin) bins.set(version, bin);
  });

  const runs: SmokeRun[] = [];
  for (const version of lines) {
    const bin = bins.get(version);
    if (!bin) continue;
    for (const file of ['smoke.mjs', 'smoke.cjs']) {
      runs.push({ label: `Node ${version} ${file}`, node: version, bin, file, packages: undefined });
    }
  }
  for (const [version, names] of floors) {
    const bin = bins.get(version);
    if (!bin) continue;
    for (const file of ['smoke-dynamic.mjs', 'smoke.cjs']) {
      runs.push({ label: `Node ${version} (floor) ${file}`, node: version, bin, file, packages: names });
    }
  }

  const all = pkgs.map((pkg) => pkg.name).sort();
  const outcomes = await mapLimit(runs, Math.max(2, availableParallelism()), async (smokeRun) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      ATTACHE_SMOKE_CERTS: certs,
      ...(redisUrl ? { ATTACHE_SMOKE_REDIS_URL: redisUrl } : {}),
      ...(smokeRun.packages ? { ATTACHE_SMOKE_PACKAGES: smokeRun.packages.join(',') } : {}),
    };
    const result = await run(smokeRun.bin, ['--trace-warnings', '--trace-deprecation', smokeRun.file], {
      cwd: consumer.dir,
      env,
      timeoutMs: 120_000,
    });
    const line = result.stdout.split('\n').find((l) => l.startsWith('SMOKE-RESULT '));
    const summary = line ? (JSON.parse(line.slice('SMOKE-RESULT '.length)) as SmokeSummary) : undefined;
    const failed = result.code !== 0 || !summary;
    if (failed) r.fail(describeRun(`smoke ${smokeRun.label}`, result));
    else {
      if (summary.node !== `v${smokeRun.node}`) r.fail(`smoke ${smokeRun.label}: ran on ${summary.node}`);
      const loaded = [...summary.packages].sort();
      if (!smokeRun.packages) {
        const missing = all.filter((name) => !loaded.includes(name));
        if (missing.length > 0) {
          r.fail(
            `smoke ${smokeRun.label}: ${missing.join(', ')} not loaded: add it to scripts/package-smoke/`,
          );
        }
        if (summary.skipped.length > 0)
          r.fail(`smoke ${smokeRun.label}: skipped ${summary.skipped.join('; ')}`);
      }
      if (summary.checks.length === 0) r.fail(`smoke ${smokeRun.label}: no check ran`);
    }
    const { warnings, rest } = readWarnings(result.stderr);
    for (const warning of warnings) {
      const text = `smoke ${smokeRun.label}: ${warning.code}: ${warning.message}\n${indent(warning.at)}`;
      if (isExpectedWarning(warning, smokeRun.node))
        r.note(`expected from Node ${smokeRun.node}: ${warning.message}`);
      else if (options.allowedWarnings.has(warning.code)) r.note(`allowed warning: ${text}`);
      else r.fail(`runtime warning (allow with --allow-warning=${warning.code}): ${text}`);
    }
    if (!failed && rest.trim())
      r.fail(`smoke ${smokeRun.label} wrote to stderr:\n${indent(rest.trim().slice(0, 2000))}`);
    return {
      label: smokeRun.label,
      ok: !failed,
      ms: result.ms,
      checks: summary?.checks.length ?? 0,
      skipped: summary?.skipped.length ?? 0,
      warnings: warnings.filter((w) => !isExpectedWarning(w, smokeRun.node)).map((w) => w.code),
    };
  });
  r.data.runs = outcomes;
  for (const outcome of outcomes) {
    r.note(
      `${outcome.ok ? 'ok' : 'FAILED'}  ${outcome.label}: ${outcome.checks} checks` +
        (outcome.skipped ? `, ${outcome.skipped} skipped (packages above this floor)` : '') +
        (outcome.warnings.length ? `, warnings ${outcome.warnings.join(' ')}` : '') +
        ` (${outcome.ms} ms)`,
    );
  }
}
