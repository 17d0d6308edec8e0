// manifest: package.json metadata, README, CHANGELOG, dist built from the current src, typedoc entry points.

import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BROWSER_PACKAGES, NODE_ONLY_PACKAGES, type Pkg, type Recorder, ROOT } from './lib/context.ts';
import { readJson } from './lib/run.ts';
import { exportTargets } from './lib/tarball.ts';
import { compareVersions, parseVersion } from './lib/versions.ts';

export async function checkManifest(pkg: Pkg, r: Recorder): Promise<void> {
  const m = pkg.manifest;
  const at = (problem: string): void => r.fail(`${pkg.name}: ${problem}`);
  if (!m.name.startsWith('@attache/')) at('name must be scoped @attache/');
  if (!parseVersion(m.version)) at(`version ${m.version} is not x.y.z`);
  if (!m.description) at('description is missing');
  if (m.license !== 'MIT') at(`license is ${m.license}, expected MIT`);
  if (m.type !== 'module') at('type must be "module" (ESM only)');
  // Only the engines guard (src/require-node.ts, its own tsup entry and chunk) has a side effect.
  const guard = ['./src/require-node.ts', './dist/require-node.js', './dist/chunk-*.js'];
  if (JSON.stringify(m.sideEffects) !== JSON.stringify(guard))
    at(`sideEffects must be ${JSON.stringify(guard)}`);
  if (!pkg.floor)
    at(`engines.node must read ">=MAJOR.MINOR[.PATCH]" (is ${JSON.stringify(m.engines?.node)})`);
  else if (compareVersions(pkg.floor, [22, 12, 0]) < 0)
    at('engines.node below 22.12: require() of ESM needs it');
  if (m.repository?.type !== 'git' || !m.repository.url) at('repository.type/url missing');
  if (m.repository?.directory !== `packages/${pkg.dir}`)
    at(`repository.directory must be packages/${pkg.dir}`);
  if (!m.keywords || m.keywords.length === 0) at('keywords missing');
  if (m.publishConfig?.access !== 'public') at('publishConfig.access must be "public" (scoped package)');
  if (!BROWSER_PACKAGES.has(pkg.name) && !NODE_ONLY_PACKAGES.has(pkg.name)) {
    at(
      'not classified: add it to BROWSER_PACKAGES or NODE_ONLY_PACKAGES in scripts/check-packages/lib/context.ts',
    );
  }

  const exportsMap = m.exports;
  if (!exportsMap || typeof exportsMap !== 'object') {
    at('exports map missing');
  } else {
    if (exportsMap['./package.json'] !== './package.json') at('exports must expose "./package.json"');
    for (const [subpath, entry] of Object.entries(exportsMap)) {
      if (subpath === './package.json') continue;
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
        at(`exports["${subpath}"] must be a conditions object`);
        continue;
      }
      const conditions = Object.keys(entry);
      const target = (name: string): unknown => (entry as Record<string, unknown>)[name];
      const source = target('@attache/source');
      if (conditions[0] !== '@attache/source' || typeof source !== 'string' || !source.endsWith('.ts')) {
        at(`exports["${subpath}"]: "@attache/source" (→ a src .ts file) must be the first condition`);
      } else if (!existsSync(join(pkg.path, source))) {
        at(`exports["${subpath}"]["@attache/source"] → ${source} does not exist`);
      }
      const types = target('types');
      const fallback = target('default');
      if (typeof types !== 'string' || !types.endsWith('.d.ts'))
        at(`exports["${subpath}"] needs "types" (.d.ts)`);
      if (typeof fallback !== 'string' || !fallback.endsWith('.js'))
        at(`exports["${subpath}"] needs "default" (.js)`);
      if (conditions.indexOf('types') > conditions.indexOf('default')) {
        at(`exports["${subpath}"]: "types" must come before "default"`);
      }
      if (conditions.includes('require')) at(`exports["${subpath}"]: ESM only, no "require" condition`);
    }
    const root = exportsMap['.'] as Record<string, unknown> | undefined;
    if (root && m.main !== root.default) at(`main (${m.main}) must equal exports["."].default`);
    if (root && m.types !== root.types) at(`types (${m.types}) must equal exports["."].types`);
  }
  for (const file of ['dist', 'src', 'README.md', 'CHANGELOG.md']) {
    if (!m.files?.includes(file)) at(`files must include "${file}"`);
  }
  for (const [name, range] of Object.entries(m.dependencies ?? {})) {
    if (name.startsWith('@attache/') && range !== 'workspace:^') {
      at(`dependency ${name} should be "workspace:^" (published as ^version), is "${range}"`);
    }
  }

  const readme = existsSync(join(pkg.path, 'README.md'))
    ? await readFile(join(pkg.path, 'README.md'), 'utf8')
    : '';
  if (!readme) at('README.md missing');
  else {
    if (!readme.startsWith(`# ${pkg.name}`)) at(`README.md must start with "# ${pkg.name}"`);
    if (
      !new RegExp(`(pnpm add|npm i(nstall)?|yarn add)[^\\n]*${pkg.name.replace('/', '\\/')}`).test(readme)
    ) {
      at('README.md has no install command for the package');
    }
  }
  const changelogPath = join(pkg.path, 'CHANGELOG.md');
  const changelog = existsSync(changelogPath) ? await readFile(changelogPath, 'utf8') : '';
  if (!changelog) at('CHANGELOG.md missing');
  else if (changelog.split('\n')[0] !== `# ${pkg.name}`) at(`CHANGELOG.md must start with "# ${pkg.name}"`);

  // The tarball is built from dist: it must exist and be newer than every source file.
  const dist = join(pkg.path, 'dist');
  const builtFiles = [...exportTargets(m.exports)].filter((file) => file.startsWith('dist/'));
  let oldestBuilt = Number.POSITIVE_INFINITY;
  for (const file of builtFiles) {
    const info = await stat(join(pkg.path, file)).catch(() => undefined);
    if (!info) {
      at(`${file} missing: run \`pnpm build\` first`);
      return;
    }
    oldestBuilt = Math.min(oldestBuilt, info.mtimeMs);
  }
  if (!existsSync(dist)) return;
  for (const file of await readdir(join(pkg.path, 'src'), { recursive: true })) {
    const info = await stat(join(pkg.path, 'src', file));
    if (info.isFile() && info.mtimeMs > oldestBuilt) {
      at(`dist is older than src/${file}: run \`pnpm build\` first`);
      return;
    }
  }
}

/** typedoc builds the API reference of every package and fails on a warning. */
export async function checkTypedoc(pkgs: readonly Pkg[], r: Recorder): Promise<void> {
  const typedoc = await readJson<{ entryPoints?: string[]; treatWarningsAsErrors?: boolean }>(
    join(ROOT, 'typedoc.json'),
  );
  if (typedoc.treatWarningsAsErrors !== true) r.fail('typedoc.json: treatWarningsAsErrors must be true');
  for (const pkg of pkgs) {
    if (!typedoc.entryPoints?.includes(`packages/${pkg.dir}`))
      r.fail(`typedoc.json: entryPoints lacks packages/${pkg.dir}`);
  }
}
