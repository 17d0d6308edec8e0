// install: the tarballs (plus their registry dependencies) installed with npm into a scratch project.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Consumer, LockEntry, Packed, Recorder } from './lib/context.ts';
import { describeRun, readJson, run } from './lib/run.ts';

export async function installConsumer(
  packed: readonly Packed[],
  r: Recorder,
  tmp: string,
): Promise<Consumer | undefined> {
  const dir = join(tmp, 'consumer');
  await mkdir(dir, { recursive: true });
  const dependencies: Record<string, string> = {};
  const overrides: Record<string, string> = {};
  for (const { pkg, tarball } of packed) {
    dependencies[pkg.name] = `file:${tarball}`;
    // Our packages depend on each other by ^version: point those at the local tarballs, never the registry.
    overrides[pkg.name] = `$${pkg.name}`;
  }
  for (const { pkg } of packed) {
    for (const [name, range] of Object.entries(pkg.manifest.peerDependencies ?? {})) {
      if (!dependencies[name]) dependencies[name] = range;
    }
  }
  const manifest = { name: 'attache-consumer', private: true, type: 'module', dependencies, overrides };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const args = [
    'install',
    '--no-fund',
    '--no-audit',
    '--ignore-scripts',
    '--prefer-offline',
    '--loglevel=error',
  ];
  const result = await run('npm', args, { cwd: dir, timeoutMs: 300_000 });
  r.data.npmInstallMs = result.ms;
  if (result.code !== 0) {
    r.fail(describeRun('npm install (scratch project)', result));
    return undefined;
  }
  const lock = (await readJson<{ packages: Record<string, LockEntry> }>(join(dir, 'package-lock.json')))
    .packages;
  for (const { pkg } of packed) {
    const copies = Object.keys(lock).filter((path) => path.endsWith(`node_modules/${pkg.name}`));
    const entry = lock[`node_modules/${pkg.name}`];
    if (copies.length !== 1) r.fail(`${pkg.name}: ${copies.length} copies installed (${copies.join(', ')})`);
    if (!entry?.resolved?.startsWith('file:'))
      r.fail(`${pkg.name}: installed from ${entry?.resolved}, not the tarball`);
  }
  const registry = Object.keys(lock).filter((path) => path && !path.includes('@attache/')).length;
  r.note(
    `npm install: ${packed.length} tarballs + ${registry} registry packages in ${(result.ms / 1000).toFixed(1)} s`,
  );
  return { dir, lock };
}
