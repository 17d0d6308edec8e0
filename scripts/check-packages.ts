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
// Run after `pnpm build`:  pnpm exec node scripts/check-packages.ts [options]
//   --only=step,step      run these steps (and the ones they need)
//   --allow-warning=CODE  a runtime warning (e.g. DEP0204) printed by a smoke run is reported, not failed
//   --no-floors           skip the runs on each package's minimum Node version
//   --keep                keep the scratch directory
// Needs the npm registry (the scratch install, Node binaries), `openssl` and `redis-server` (or
// $REDIS_SERVER). Node binaries are cached in $ATTACHE_CHECK_CACHE (default ~/.cache/attache-check).
// Writes .reports/check-packages.json; exits 1 when a step fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'scripts', 'package-smoke');
const BIN = join(ROOT, 'node_modules', '.bin');

/**
 * Node lines every package runs on in the smoke step, pinned so a run is reproducible (bump them here).
 * Node 24 is the repository's own (`pnpm exec node`).
 */
const NODE_LINES: readonly string[] = ['22.23.3', '26.10.0'];

/** Where each package runs (DESIGN.md). Browser packages are bundled for the browser and must not need Node. */
const BROWSER_PACKAGES: ReadonlySet<string> = new Set([
  '@attache/core',
  '@attache/api-key',
  '@attache/hmac',
  '@attache/oauth-cc',
  '@attache/testing',
  '@attache/otel',
]);
const NODE_ONLY_PACKAGES: ReadonlySet<string> = new Set(['@attache/mtls-node', '@attache/token-store-redis']);

/** Files a tarball may hold at its top level. */
const PUBLISHED_TOP_LEVEL: ReadonlySet<string> = new Set([
  'dist',
  'src',
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
]);

const STEPS = [
  'manifest',
  'changesets',
  'pack',
  'publint',
  'attw',
  'install',
  'engines',
  'smoke',
  'types',
  'bundles',
] as const;
type StepName = (typeof STEPS)[number];

/** Steps that need another step's output. */
const NEEDS: Readonly<Record<StepName, readonly StepName[]>> = {
  manifest: [],
  changesets: [],
  pack: [],
  publint: ['pack'],
  attw: ['pack'],
  install: ['pack'],
  engines: ['install'],
  smoke: ['install'],
  types: ['install'],
  bundles: ['install'],
};

interface Options {
  readonly only: ReadonlySet<StepName>;
  readonly allowedWarnings: ReadonlySet<string>;
  readonly floors: boolean;
  readonly keep: boolean;
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly license?: string;
  readonly type?: string;
  readonly sideEffects?: unknown;
  readonly engines?: { readonly node?: string };
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly keywords?: readonly string[];
  readonly publishConfig?: { readonly access?: string };
  readonly exports?: Readonly<Record<string, unknown>>;
  readonly main?: string;
  readonly types?: string;
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

interface Pkg {
  /** Directory name under packages/. */
  readonly dir: string;
  readonly path: string;
  readonly manifest: Manifest;
  readonly name: string;
  /** The lowest Node version engines.node allows (`>=X.Y.Z`). */
  readonly floor: Version | undefined;
}

interface StepResult {
  readonly step: string;
  ok: boolean;
  ms: number;
  readonly failures: string[];
  readonly notes: string[];
  readonly data: Record<string, unknown>;
}

interface Recorder {
  fail(message: string): void;
  note(message: string): void;
  readonly data: Record<string, unknown>;
}

type Version = readonly [number, number, number];

// ---------------------------------------------------------------------------------------------------------
// Small utilities

function parseOptions(argv: readonly string[]): Options {
  let only: Set<StepName> = new Set(STEPS);
  const allowedWarnings = new Set<string>();
  let floors = true;
  let keep = false;
  for (const arg of argv) {
    if (arg.startsWith('--only=')) {
      const wanted = arg.slice('--only='.length).split(',').filter(Boolean);
      for (const name of wanted) {
        if (!(STEPS as readonly string[]).includes(name)) usage(`unknown step ${name}`);
      }
      only = withPrerequisites(wanted as StepName[]);
    } else if (arg.startsWith('--allow-warning=')) {
      for (const code of arg.slice('--allow-warning='.length).split(',')) if (code) allowedWarnings.add(code);
    } else if (arg === '--no-floors') {
      floors = false;
    } else if (arg === '--keep') {
      keep = true;
    } else {
      usage(`unknown option ${arg}`);
    }
  }
  return { only, allowedWarnings, floors, keep };
}

function withPrerequisites(steps: readonly StepName[]): Set<StepName> {
  const all = new Set<StepName>();
  const add = (step: StepName): void => {
    if (all.has(step)) return;
    all.add(step);
    for (const need of NEEDS[step]) add(need);
  };
  for (const step of steps) add(step);
  return all;
}

function usage(problem: string): never {
  console.error(`check-packages: ${problem}`);
  console.error(`steps: ${STEPS.join(', ')}; options: --only=…, --allow-warning=CODE, --no-floors, --keep`);
  process.exit(2);
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

/** Runs a command without a shell; never rejects (a failure to start is exit code null). */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let child: ChildProcess;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    try {
      child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'pipe' });
    } catch (error) {
      resolve({ code: null, stdout, stderr: String(error), ms: 0, timedOut });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started), timedOut });
    });
  });
}

function describeRun(what: string, result: RunResult): string {
  const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-25).join('\n');
  const how = result.timedOut ? 'timed out' : `exited with ${result.code}`;
  return `${what} ${how}${output ? `:\n${indent(output)}` : ''}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(2)} kB`;
}

// ---------------------------------------------------------------------------------------------------------
// Versions and ranges (enough of semver for engines fields)

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function formatVersion(version: Version): string {
  return version.join('.');
}

function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `version` is in `range` (npm range syntax: `||`, comparators, `^`, `~`, x-ranges, hyphens). */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((part) => {
    const normalized = part.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(normalized);
    const comparators = hyphen
      ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`]
      : normalized.split(/\s+/).filter(Boolean);
    return comparators.every((comparator) => matchesComparator(version, comparator));
  });
}

function matchesComparator(version: Version, comparator: string): boolean {
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
function floorOf(range: string | undefined): Version | undefined {
  const match = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range?.trim() ?? '');
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Tarballs

/** The regular files of a .tgz made by a package manager, by path inside `package/`. */
function untar(gzipped: Uint8Array): Map<string, Buffer> {
  const tar = gunzipSync(gzipped);
  const files = new Map<string, Buffer>();
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    if (type === '0' || type === '')
      files.set((paxPath ?? name).replace(/^package\//, ''), Buffer.from(body));
    if (type !== 'g') paxPath = undefined;
  }
  return files;
}

function tarballName(manifest: Manifest): string {
  return `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
}

/** Every file path an exports map (or main/types) points at. */
function exportTargets(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') into.add(posix.normalize(value).replace(/^\.\//, ''));
  else if (Array.isArray(value)) for (const item of value) exportTargets(item, into);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) exportTargets(item, into);
  return into;
}

// ---------------------------------------------------------------------------------------------------------
// Steps

async function discover(): Promise<Pkg[]> {
  const dirs = (await readdir(join(ROOT, 'packages'), { withFileTypes: true })).filter((d) =>
    d.isDirectory(),
  );
  const pkgs: Pkg[] = [];
  for (const dir of dirs.map((d) => d.name).sort()) {
    const path = join(ROOT, 'packages', dir);
    if (!existsSync(join(path, 'package.json'))) continue;
    const manifest = await readJson<Manifest>(join(path, 'package.json'));
    if (manifest.private) continue;
    pkgs.push({ dir, path, manifest, name: manifest.name, floor: floorOf(manifest.engines?.node) });
  }
  return pkgs;
}

async function checkManifest(pkg: Pkg, r: Recorder): Promise<void> {
  const m = pkg.manifest;
  const at = (problem: string): void => r.fail(`${pkg.name}: ${problem}`);
  if (!m.name.startsWith('@attache/')) at('name must be scoped @attache/');
  if (!parseVersion(m.version)) at(`version ${m.version} is not x.y.z`);
  if (!m.description) at('description is missing');
  if (m.license !== 'MIT') at(`license is ${m.license}, expected MIT`);
  if (m.type !== 'module') at('type must be "module" (ESM only)');
  if (m.sideEffects !== false) at('sideEffects must be false');
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
    at('not classified: add it to BROWSER_PACKAGES or NODE_ONLY_PACKAGES in scripts/check-packages.ts');
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

async function checkChangesets(pkgs: readonly Pkg[], r: Recorder, tmp: string): Promise<void> {
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

interface Packed {
  readonly pkg: Pkg;
  readonly tarball: string;
  readonly files: Map<string, Buffer>;
}

async function packAll(pkgs: readonly Pkg[], r: Recorder, tmp: string): Promise<Packed[]> {
  const out = join(tmp, 'tarballs');
  await mkdir(out, { recursive: true });
  const packed = await mapLimit(pkgs, 4, async (pkg): Promise<Packed | undefined> => {
    const result = await run('pnpm', ['pack', '--pack-destination', out], {
      cwd: pkg.path,
      timeoutMs: 120_000,
    });
    const tarball = join(out, tarballName(pkg.manifest));
    if (result.code !== 0 || !existsSync(tarball)) {
      r.fail(describeRun(`pnpm pack (${pkg.name})`, result));
      return undefined;
    }
    return { pkg, tarball, files: untar(await readFile(tarball)) };
  });
  const ok = packed.filter((p): p is Packed => p !== undefined);
  const sizes: Record<string, unknown> = {};
  for (const { pkg, tarball, files } of ok) {
    const at = (problem: string): void => r.fail(`${pkg.name} tarball: ${problem}`);
    const manifestFile = files.get('package.json');
    if (!manifestFile) {
      at('no package.json');
      continue;
    }
    const manifest = JSON.parse(manifestFile.toString('utf8')) as Manifest;
    for (const file of ['README.md', 'CHANGELOG.md']) if (!files.has(file)) at(`${file} missing`);
    for (const target of exportTargets([manifest.exports, manifest.main ?? [], manifest.types ?? []])) {
      if (target !== 'package.json' && !files.has(target)) at(`exports/main/types target ${target} missing`);
    }
    for (const file of files.keys()) {
      const top = file.split('/')[0] ?? '';
      if (!PUBLISHED_TOP_LEVEL.has(top)) at(`unexpected file ${file}`);
      if (/\.(test|spec)(-d)?\.[cm]?[jt]s$/.test(file)) at(`test file ${file} is published`);
    }
    for (const field of ['dependencies', 'peerDependencies'] as const) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        if (range.startsWith('workspace:')) at(`${field}.${name} is still "${range}"`);
        const sibling = pkgs.find((p) => p.name === name);
        if (sibling && !satisfies(parseVersion(sibling.manifest.version) ?? [0, 0, 0], range)) {
          at(`${field}.${name} "${range}" does not accept the workspace's ${sibling.manifest.version}`);
        }
      }
    }
    // Source maps must point at sources that ship (src/ is published for them and for @attache/source).
    for (const [file, content] of files) {
      if (!file.endsWith('.map')) continue;
      const map = JSON.parse(content.toString('utf8')) as { sources?: string[] };
      for (const source of map.sources ?? []) {
        const resolved = posix.normalize(posix.join(posix.dirname(file), source));
        if (!files.has(resolved)) at(`${file} points at ${source}, which is not in the tarball`);
      }
    }
    const unpacked = [...files.values()].reduce((sum, data) => sum + data.length, 0);
    const packedSize = (await stat(tarball)).size;
    sizes[pkg.name] = { files: files.size, packed: packedSize, unpacked };
    r.note(`${pkg.name}: ${files.size} files, ${kB(packedSize)} packed, ${kB(unpacked)} unpacked`);
    if (!files.has('LICENSE'))
      r.note(`${pkg.name}: no LICENSE file in the tarball (license field: ${manifest.license})`);
  }
  r.data.sizes = sizes;
  return ok;
}

async function runPublint(packed: readonly Packed[], r: Recorder): Promise<void> {
  for (const { pkg, tarball } of packed) {
    const data = await readFile(tarball);
    const arrayBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    const { messages, pkg: manifest } = await publint({ pack: { tarball: arrayBuffer }, strict: true });
    for (const message of messages) {
      const text = `${pkg.name}: ${message.type}: ${formatMessage(message, manifest, { color: false }) ?? message.code}`;
      if (message.type === 'suggestion') r.note(text);
      else r.fail(text);
    }
  }
}

async function runAttw(packed: readonly Packed[], r: Recorder): Promise<void> {
  const ignored = new Set(['node10', 'node16-cjs']);
  await mapLimit(packed, 4, async ({ pkg, tarball }) => {
    const args = [tarball, '--profile', 'esm-only', '--format', 'json', '--no-definitely-typed'];
    const result = await run(join(BIN, 'attw'), args, { cwd: ROOT, timeoutMs: 120_000 });
    if (result.code === 0) return;
    let problems = '';
    try {
      const json = JSON.parse(result.stdout) as {
        problems?: Record<string, { kind: string; entrypoint?: string; resolutionKind?: string }[]>;
      };
      problems = Object.values(json.problems ?? {})
        .flat()
        .filter((p) => !p.resolutionKind || !ignored.has(p.resolutionKind))
        .map((p) => `${p.kind} (${p.entrypoint ?? ''} ${p.resolutionKind ?? ''})`)
        .join(', ');
    } catch {
      // Not JSON: the raw output below says what went wrong.
    }
    r.fail(problems ? `${pkg.name}: attw: ${problems}` : describeRun(`attw (${pkg.name})`, result));
  });
}

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly engines?: { readonly node?: string } | readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
}

interface Consumer {
  readonly dir: string;
  readonly lock: Readonly<Record<string, LockEntry>>;
}

async function installConsumer(
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

/** The install path npm would resolve `name` to from the package installed at `from`. */
function resolveInLock(lock: Consumer['lock'], from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (!base) return undefined;
    const index = base.lastIndexOf('/node_modules/');
    base = index === -1 ? '' : base.slice(0, index);
  }
}

function checkEngines(
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

// ---------------------------------------------------------------------------------------------------------
// Node binaries (npm's `node` package), cached between runs

function cacheDir(): string {
  return process.env.ATTACHE_CHECK_CACHE || join(homedir(), '.cache', 'attache-check');
}

async function ensureNode(version: string, r: Recorder): Promise<string | undefined> {
  if (process.versions.node === version) return process.execPath;
  const dir = join(cacheDir(), 'node', version);
  const bin = join(dir, 'node');
  const works = async (): Promise<boolean> =>
    existsSync(bin) &&
    (await run(bin, ['--version'], { cwd: ROOT, timeoutMs: 30_000 })).stdout.trim() === `v${version}`;
  if (await works()) return bin;
  const staging = `${dir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'package.json'), '{ "private": true }\n');
  const result = await run(
    'npm',
    ['install', '--no-fund', '--no-audit', '--no-save', '--loglevel=error', `node@${version}`],
    { cwd: staging, timeoutMs: 300_000 },
  );
  const installed = join(staging, 'node_modules', 'node', 'bin', 'node');
  if (result.code !== 0 || !existsSync(installed)) {
    r.fail(describeRun(`npm install node@${version} (no ${installed} after it)`, result));
    await rm(staging, { recursive: true, force: true });
    return undefined;
  }
  // The binary is self-contained: keep it alone (the package also ships headers, npm and corepack).
  await copyFile(installed, join(staging, 'node'));
  await chmod(join(staging, 'node'), 0o755);
  await rm(join(staging, 'node_modules'), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await rename(staging, dir);
  if (!(await works())) {
    r.fail(`node@${version} installed in ${dir} but ${bin} does not report v${version}`);
    return undefined;
  }
  r.note(`installed node@${version} from npm into ${dir} (${(result.ms / 1000).toFixed(1)} s)`);
  return bin;
}

async function makeCertificates(dir: string, r: Recorder): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const steps: string[][] = [
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=attache-smoke-ca',
    ],
    ['req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=localhost'],
    ['req', ...ec, '-keyout', 'client-key.pem', '-out', 'client.csr', '-subj', '/CN=attache-smoke-client'],
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    [
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'client.pem',
      '-days',
      '2',
    ],
  ];
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const args of steps) {
    const result = await run('openssl', args, { cwd: dir, timeoutMs: 30_000 });
    if (result.code !== 0) {
      r.fail(describeRun(`openssl ${args[0]}`, result));
      return false;
    }
  }
  return true;
}

/** A redis-server of our own on a free loopback port, for @attache/token-store-redis. */
async function startRedis(dir: string, r: Recorder): Promise<{ url: string; stop: () => void } | undefined> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  await mkdir(dir, { recursive: true });
  const binary = process.env.REDIS_SERVER || 'redis-server';
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn(binary, args, { cwd: dir, stdio: 'ignore' });
  let exited = false;
  child.on('error', () => {
    exited = true;
  });
  child.on('exit', () => {
    exited = true;
  });
  const stop = (): void => {
    if (!exited) child.kill('SIGTERM');
  };
  for (let attempt = 0; attempt < 100 && !exited; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stop();
  r.fail(
    `${binary} did not start on 127.0.0.1:${port} (install it: apt-get install -y redis-server, or set REDIS_SERVER)`,
  );
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Smoke runs

interface SmokeRun {
  readonly label: string;
  readonly node: string;
  readonly bin: string;
  readonly file: string;
  /** Packages to load; undefined: all of them (the full consumer). */
  readonly packages: readonly string[] | undefined;
}

interface SmokeSummary {
  readonly mode: string;
  readonly node: string;
  readonly packages: readonly string[];
  readonly checks: readonly { name: string; ms: number }[];
  readonly skipped: readonly string[];
  readonly ms: number;
}

async function smoke(
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

async function smokeRuns(
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

interface RuntimeWarning {
  readonly code: string;
  readonly message: string;
  /** The first stack frames, to tell which package printed it. */
  readonly at: string;
}

const WARNING_LINE = /^\(node:\d+\) (?:\[(\w+)\] )?(\w*Warning): (.*)$/;
const FRAME = /^\s+at /;

/**
 * Warnings Node itself prints for a consumer doing what these packages document, not caused by them:
 * Node 22.12 still calls require() of ESM experimental (22.13 and later do not).
 */
function isExpectedWarning(warning: RuntimeWarning, node: string): boolean {
  return (
    warning.code === 'ExperimentalWarning' &&
    /using require\(\)|Support for loading ES Module in require\(\)/.test(warning.message) &&
    compareVersions(parseVersion(node) ?? [0, 0, 0], [22, 13, 0]) < 0
  );
}

/** The warnings in a run's stderr (printed with --trace-warnings) and what is left once they are removed. */
function readWarnings(stderr: string): { warnings: RuntimeWarning[]; rest: string } {
  const lines = stderr.split('\n');
  const warnings: RuntimeWarning[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const match = WARNING_LINE.exec(line);
    if (!match) {
      if (!line.startsWith('(Use `node --trace-')) rest.push(line);
      continue;
    }
    // A message may run over a few lines before its stack frames.
    const message = [match[3] ?? ''];
    let next = i + 1;
    const firstFrame = lines.findIndex((l, index) => index > i && FRAME.test(l));
    if (firstFrame !== -1 && firstFrame - i <= 4) {
      for (; next < firstFrame; next++) message.push(lines[next] ?? '');
    }
    const frames: string[] = [];
    for (; next < lines.length && FRAME.test(lines[next] ?? ''); next++)
      frames.push((lines[next] ?? '').trim());
    i = next - 1;
    const ours = frames.filter((frame) => frame.includes('@attache/'));
    warnings.push({
      code: match[1] ?? match[2] ?? 'Warning',
      message: message.join(' ').trim(),
      at: (ours.length > 0 ? ours : frames).slice(0, 3).join('\n'),
    });
  }
  return { warnings, rest: rest.join('\n') };
}

// ---------------------------------------------------------------------------------------------------------
// Consumer type checks

async function typeCheck(pkgs: readonly Pkg[], consumer: Consumer, r: Recorder): Promise<void> {
  for (const file of await readdir(FIXTURES)) {
    if (file.startsWith('consumer-')) await copyFile(join(FIXTURES, file), join(consumer.dir, file));
  }
  const fixtureImports = new Set<string>();
  for (const file of ['consumer-node.ts', 'consumer-cjs.cts']) {
    const text = await readFile(join(FIXTURES, file), 'utf8');
    for (const match of text.matchAll(/(?:from|require\()\s*'(@attache\/[^']+)'/g))
      fixtureImports.add(match[1] ?? '');
  }
  for (const pkg of pkgs) {
    if (!fixtureImports.has(pkg.name)) {
      r.fail(`${pkg.name} is not imported by scripts/package-smoke/consumer-node.ts or consumer-cjs.cts`);
    }
  }
  // Packages that work without DOM types: what a Node-only project (lib ES20xx + @types/node) compiles.
  const noDom = pkgs.filter((pkg) => !pkg.manifest.peerDependencies?.msw);
  await writeFile(
    join(consumer.dir, 'consumer-node-no-dom.ts'),
    noDom.map((pkg, i) => `export * as p${i} from '${pkg.name}';\n`).join(''),
  );
  const strict = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'ES2023',
  };
  const nodeTypes = { types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] };
  const projects = [
    {
      name: 'browser app (bundler resolution, DOM, no Node types)',
      file: 'tsconfig.browser.json',
      advisory: false,
      config: {
        compilerOptions: {
          ...strict,
          module: 'preserve',
          moduleResolution: 'bundler',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          types: [],
        },
        files: ['consumer-browser.ts'],
      },
    },
    {
      name: 'Node service, ESM and CommonJS (nodenext, DOM + Node types)',
      file: 'tsconfig.node.json',
      advisory: false,
      config: {
        compilerOptions: {
          ...strict,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          ...nodeTypes,
        },
        files: ['consumer-node.ts', 'consumer-cjs.cts'],
      },
    },
    {
      name: `Node service without the DOM lib (${noDom.length} packages without msw)`,
      file: 'tsconfig.node-no-dom.json',
      advisory: false,
      config: {
        compilerOptions: {
          ...strict,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2023'],
          ...nodeTypes,
        },
        files: ['consumer-node-no-dom.ts'],
      },
    },
  ];
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await mapLimit(projects, 3, async (project) => {
    await writeFile(join(consumer.dir, project.file), `${JSON.stringify(project.config, null, 2)}\n`);
    const result = await run(process.execPath, [tsc, '-p', project.file, '--pretty', 'false'], {
      cwd: consumer.dir,
      timeoutMs: 300_000,
    });
    if (result.code === 0) {
      r.note(`ok  ${project.name} (${(result.ms / 1000).toFixed(1)} s)`);
      return;
    }
    const output = result.stdout.trim() || result.stderr.trim();
    // A dependency's own declarations can break under skipLibCheck: false (ioredis 6 imports the untyped
    // `redis-errors`): reported, not failed. Every error in Attaché's declarations or the consumer's files
    // still fails.
    const entries = output.split(/\n(?=\S)/);
    const foreign = entries.filter((entry) => /^node_modules\/(?!@attache\/)/.test(entry));
    const own = entries.filter((entry) => !foreign.includes(entry));
    if (foreign.length > 0) {
      r.note(`third-party declarations, not failed: ${project.name}:\n${indent(foreign.join('\n'))}`);
    }
    if (own.length === 0) {
      r.note(`ok  ${project.name}, apart from third-party declarations (${(result.ms / 1000).toFixed(1)} s)`);
      return;
    }
    const errors = own.join('\n');
    if (project.advisory) r.note(`advisory, not failed: ${project.name}:\n${indent(errors)}`);
    else r.fail(`${project.name}:\n${indent(errors)}`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Browser bundles

interface SizeLimitEntry {
  readonly name: string;
  readonly import?: Readonly<Record<string, string>>;
  readonly limit?: string;
}

function parseLimit(limit: string | undefined): number | undefined {
  const match = /^([\d.]+)\s*(B|kB|KB|KiB|MB)$/.exec(limit?.trim() ?? '');
  if (!match) return undefined;
  const factor: Record<string, number> = { B: 1, kB: 1000, KB: 1000, KiB: 1024, MB: 1_000_000 };
  return Number(match[1]) * (factor[match[2] ?? 'B'] ?? 1);
}

async function bundles(pkgs: readonly Pkg[], consumer: Consumer, r: Recorder): Promise<void> {
  const byDir = new Map(pkgs.map((pkg) => [`packages/${pkg.dir}/dist/index.js`, pkg.name]));
  const sizeLimit = await readJson<SizeLimitEntry[]>(join(ROOT, '.size-limit.json')).catch(() => []);
  const bundleList: { name: string; code: string; limit: string | undefined; forbid?: RegExp }[] = [];
  for (const entry of sizeLimit) {
    const lines = Object.entries(entry.import ?? {}).map(([file, names]) => {
      const name = byDir.get(file);
      if (!name) throw new Error(`.size-limit.json "${entry.name}" imports ${file}, not a package's dist`);
      return `export ${names} from '${name}';`;
    });
    bundleList.push({ name: `size-limit: ${entry.name}`, code: lines.join('\n'), limit: entry.limit });
  }
  for (const pkg of pkgs) {
    if (!BROWSER_PACKAGES.has(pkg.name)) continue;
    bundleList.push({
      name: `everything in ${pkg.name}`,
      code: `export * from '${pkg.name}';`,
      limit: undefined,
    });
  }
  // sideEffects: false and ESM must let a bundler drop what is not used: `secret` alone pulls in no ky.
  bundleList.push({
    name: 'tree shaking: only secret() from @attache/core',
    code: `export { secret } from '@attache/core';`,
    limit: undefined,
    forbid: /node_modules\/(ky|jose)\//,
  });
  for (const pkg of pkgs) {
    if (BROWSER_PACKAGES.has(pkg.name) || NODE_ONLY_PACKAGES.has(pkg.name)) continue;
    r.fail(`${pkg.name}: not classified as browser or Node-only`);
  }

  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const table: Record<string, unknown> = {};
  for (const [index, bundle] of bundleList.entries()) {
    const entry = join(consumer.dir, `bundle-${index}.mjs`);
    await writeFile(entry, `${bundle.code}\n`);
    let text: string;
    let metafile: Metafile;
    try {
      const result = await build({
        entryPoints: [entry],
        absWorkingDir: consumer.dir,
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      text = result.outputFiles[0]?.text ?? '';
      metafile = result.metafile;
    } catch (error) {
      const errors =
        (error as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? [];
      r.fail(
        `${bundle.name}: esbuild (platform browser) failed:\n${indent(
          errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`).join('\n') || String(error),
        )}`,
      );
      continue;
    }
    const problems: string[] = [];
    for (const [input, info] of Object.entries(metafile.inputs)) {
      if (input.startsWith('node:') || builtins.has(input))
        problems.push(`bundles the Node built-in ${input}`);
      for (const imported of info.imports) {
        if (imported.path.startsWith('node:') || builtins.has(imported.path)) {
          problems.push(`${input} imports ${imported.path}`);
        }
      }
      if (!input.startsWith('node_modules/') && !input.startsWith('bundle-'))
        problems.push(`bundled ${input}`);
    }
    // What ends up in the output (esbuild lists every file it parsed in inputs, shaken away or not).
    const contributing = Object.entries(Object.values(metafile.outputs)[0]?.inputs ?? {})
      .filter(([, info]) => info.bytesInOutput > 0)
      .map(([input]) => input);
    for (const input of contributing)
      if (bundle.forbid?.test(input)) problems.push(`keeps code from ${input}`);
    for (const match of text.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](node:[\w/]+)["']/g,
    )) {
      problems.push(`output imports ${match[1]}`);
    }
    for (const problem of problems) r.fail(`${bundle.name}: ${problem}`);
    const brotli = brotliCompressSync(text, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    const gzip = gzipSync(text, { level: 9 }).length;
    const limit = parseLimit(bundle.limit);
    table[bundle.name] = {
      minified: text.length,
      brotli,
      gzip,
      limit: bundle.limit,
      files: contributing.length,
    };
    r.note(
      `${problems.length ? 'FAILED' : 'ok'}  ${bundle.name}: ${kB(text.length)} minified, ${kB(brotli)} brotli, ` +
        `${contributing.length} files` +
        (limit ? ` (budget ${bundle.limit} min+brotli, measured by size-limit in \`pnpm size\`)` : ''),
    );
  }
  r.data.bundles = table;
}

// ---------------------------------------------------------------------------------------------------------

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
      const typedoc = await readJson<{ entryPoints?: string[]; treatWarningsAsErrors?: boolean }>(
        join(ROOT, 'typedoc.json'),
      );
      if (typedoc.treatWarningsAsErrors !== true) r.fail('typedoc.json: treatWarningsAsErrors must be true');
      for (const pkg of pkgs) {
        if (!typedoc.entryPoints?.includes(`packages/${pkg.dir}`))
          r.fail(`typedoc.json: entryPoints lacks packages/${pkg.dir}`);
      }
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
