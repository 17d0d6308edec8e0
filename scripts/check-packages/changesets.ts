// changesets: pending changesets name real packages; `changeset version` (dry run in a copy) works.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Manifest, type Pkg, type Recorder, ROOT } from './lib/context.ts';
import { describeRun, readJson, run } from './lib/run.ts';

export async function checkChangesets(pkgs: readonly Pkg[], r: Recorder, tmp: string): Promise<void> {
  const dir = join(ROOT, '.changeset');
  const config = await readJson<{ access?: string; baseBranch?: string }>(join(dir, 'config.json')).catch(
    () => undefined,
  );
  if (!config) {
    r.fail('.changeset/config.json missing');
    return;
  }
  if (config.access !== 'public') r.fail('.changeset/config.json: access must be "public"');
  const names = new Map(pkgs.map((pkg) => [pkg.name, pkg]));
  const pending = new Map<string, string[]>();
  const files = (await readdir(dir)).filter((file) => file.endsWith('.md') && file !== 'README.md');
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
    if (!match) {
      r.fail(`.changeset/${file}: no front matter`);
      continue;
    }
    if (!match[2]?.trim()) r.fail(`.changeset/${file}: the summary is empty`);
    for (const line of (match[1] ?? '').split('\n').filter((l) => l.trim())) {
      const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
      if (!entry?.[1]) {
        r.fail(`.changeset/${file}: cannot read "${line}"`);
        continue;
      }
      if (!names.has(entry[1]))
        r.fail(`.changeset/${file}: ${entry[1]} is not a published workspace package`);
      pending.set(entry[1], [...(pending.get(entry[1]) ?? []), `${file} (${entry[2]})`]);
    }
  }
  r.data.pending = Object.fromEntries(pending);

  for (const pkg of pkgs) {
    const changelog = await readFile(join(pkg.path, 'CHANGELOG.md'), 'utf8').catch(() => '');
    const released = changelog.includes(`\n## ${pkg.manifest.version}\n`);
    if (!released && !pending.has(pkg.name)) {
      r.fail(
        `${pkg.name}@${pkg.manifest.version}: no "## ${pkg.manifest.version}" in CHANGELOG.md and no pending changeset`,
      );
    }
  }

  // `changeset version` in a copy of the workspace manifests: the release it would make.
  const copy = join(tmp, 'changeset-dry-run');
  const workspaceYaml = await readFile(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...workspaceYaml.matchAll(/^\s+-\s+["']?([^"'\n]+)["']?\s*$/gm)].map((m) => m[1] ?? '');
  const manifests = ['package.json'];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const base = glob.slice(0, -2);
      for (const entry of await readdir(join(ROOT, base), { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory() && existsSync(join(ROOT, base, entry.name, 'package.json'))) {
          manifests.push(`${base}/${entry.name}/package.json`);
        }
      }
    } else if (existsSync(join(ROOT, glob, 'package.json'))) {
      manifests.push(`${glob}/package.json`);
    }
  }
  const toCopy = [
    'pnpm-workspace.yaml',
    ...manifests,
    ...pkgs.map((pkg) => `packages/${pkg.dir}/CHANGELOG.md`),
    ...(await readdir(dir)).map((file) => `.changeset/${file}`),
  ];
  for (const file of toCopy) {
    if (!existsSync(join(ROOT, file))) continue;
    await mkdir(dirname(join(copy, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(copy, file));
  }
  // The changelog generator named in config.json is resolved from the workspace's node_modules.
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const cli = join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js');
  const result = await run(process.execPath, [cli, 'version'], { cwd: copy, timeoutMs: 60_000 });
  if (result.code !== 0) {
    r.fail(describeRun('changeset version (dry run)', result));
    return;
  }
  const release: Record<string, string> = {};
  for (const pkg of pkgs) {
    const after = await readJson<Manifest>(join(copy, 'packages', pkg.dir, 'package.json'));
    if (after.version === pkg.manifest.version) continue;
    release[pkg.name] = `${pkg.manifest.version} → ${after.version}`;
    const changelog = await readFile(join(copy, 'packages', pkg.dir, 'CHANGELOG.md'), 'utf8');
    if (!changelog.startsWith(`# ${pkg.name}\n\n## ${after.version}\n`)) {
      r.fail(`${pkg.name}: changeset version did not write "## ${after.version}" at the top of CHANGELOG.md`);
    }
  }
  for (const name of pending.keys()) {
    if (!release[name]) r.fail(`${name}: has a pending changeset but changeset version did not bump it`);
  }
  r.data.release = release;
  if (Object.keys(release).length > 0) {
    r.note(
      `next release: ${Object.entries(release)
        .map(([name, change]) => `${name} ${change}`)
        .join(', ')}`,
    );
  }
}
