// Every package refuses to load on a Node.js below its `engines.node`, with one sentence naming the version
// it needs, and loads on one that satisfies it. Proven three ways: the guard's logic over many versions (in a
// VM context whose `process` we choose), the packages as tsup builds them imported by a real Node 20, and the
// bookkeeping that keeps each guard equal to its package.json.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const NAMES = ['api-key', 'core', 'hmac', 'mtls-node', 'oauth-cc', 'testing', 'token-store-redis'] as const;

interface Manifest {
  name: string;
  engines: { node: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const packages = NAMES.map((dir) => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as Manifest;
  const floor = /^>=(\d+)\.(\d+)$/.exec(manifest.engines.node);
  if (floor === null) throw new TypeError(`${manifest.name}: engines.node is not ">=MAJOR.MINOR"`);
  return { dir, manifest, major: Number(floor[1]), minor: Number(floor[2]) };
});
const sentence = (name: string, major: number, minor: number, running: string): string =>
  `${name} needs Node.js ${major}.${minor} or later; this is Node.js ${running}.`;

/** The entries a package's tsup config builds (a list or a name → file object), as output name → absolute path. */
function entriesOf(src: string): Record<string, string> {
  const config = readFileSync(join(src, 'tsup.config.ts'), 'utf8');
  const clause = /entry: ([[{][^\]}]*[\]}])/.exec(config)?.[1] ?? '';
  const entries: Record<string, string> = {};
  if (clause.startsWith('{')) {
    for (const match of clause.matchAll(/'?([\w/-]+)'?: '([^']+)'/g))
      entries[match[1] ?? ''] = join(src, match[2] ?? '');
  } else {
    for (const match of clause.matchAll(/'src\/([^']+)\.ts'/g))
      entries[match[1] ?? ''] = join(src, 'src', `${match[1]}.ts`);
  }
  return entries;
}

describe('engines bookkeeping', () => {
  it.each(packages)(
    '$manifest.name: guard equals engines.node, runs first, and is its own tsup entry',
    (pkg) => {
      const src = join(ROOT, 'packages', pkg.dir);
      const guard = readFileSync(join(src, 'src/require-node.ts'), 'utf8');
      expect(guard).toContain(
        `const NEEDS = { name: '${pkg.manifest.name}', major: ${pkg.major}, minor: ${pkg.minor} };`,
      );
      expect(readFileSync(join(src, 'src/index.ts'), 'utf8').split('\n')[0]).toBe(
        "import './require-node.ts';",
      );
      // Bundlers must keep the guard: it is the one module with a side effect, in src and in dist.
      expect((pkg.manifest as { sideEffects?: unknown }).sideEffects).toEqual([
        './src/require-node.ts',
        './dist/require-node.js',
        './dist/chunk-*.js',
      ]);
      // Its own entry, besides the package's others (core also builds its internal entry).
      expect(Object.values(entriesOf(src))).toContain(join(src, 'src/require-node.ts'));
    },
  );

  it('mtls-node needs 22.19 (undici 8 relies on it); the others 22.12', () => {
    expect(Object.fromEntries(packages.map((p) => [p.manifest.name, `${p.major}.${p.minor}`]))).toEqual({
      '@attache/api-key': '22.12',
      '@attache/core': '22.12',
      '@attache/hmac': '22.12',
      '@attache/mtls-node': '22.19',
      '@attache/oauth-cc': '22.12',
      '@attache/testing': '22.12',
      '@attache/token-store-redis': '22.12',
    });
  });
});

describe('the guard, over many runtimes', () => {
  const compiled = packages.map((pkg) => ({
    ...pkg,
    // The guard as it runs: bundled with the shared check it imports from @attache/core/engines.
    code:
      buildSync({
        entryPoints: [join(ROOT, 'packages', pkg.dir, 'src/require-node.ts')],
        absWorkingDir: join(ROOT, 'packages', pkg.dir),
        bundle: true,
        format: 'cjs',
        platform: 'neutral',
        conditions: ['@attache/source'],
        write: false,
        logLevel: 'silent',
      }).outputFiles[0]?.text ?? '',
  }));
  const evaluate = (code: string, globals: Record<string, unknown>): unknown => {
    try {
      runInNewContext(code, { ...globals, exports: {}, module: { exports: {} } });
      return undefined;
    } catch (error) {
      return error;
    }
  };

  it('throws exactly below the floor on Node.js, with the one sentence', () => {
    const version = fc.tuple(fc.nat(40), fc.nat(40), fc.nat(40)).map((parts) => parts.join('.'));
    fc.assert(
      fc.property(fc.constantFrom(...compiled), version, (pkg, running) => {
        const [major = 0, minor = 0] = running.split('.').map(Number);
        const below = major < pkg.major || (major === pkg.major && minor < pkg.minor);
        const thrown = evaluate(pkg.code, { process: { versions: { node: running } } });
        if (below) {
          // A RangeError from the VM's realm: compare by name, not instanceof.
          expect((thrown as Error).name).toBe('RangeError');
          expect((thrown as Error).message).toBe(sentence(pkg.manifest.name, pkg.major, pkg.minor, running));
        } else {
          expect(thrown).toBeUndefined();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on browsers or workers (no `process`), nor on Deno or Bun, whatever Node.js they claim', () => {
    const claimed = fc.oneof(fc.constant(undefined), fc.constantFrom('0.0.1', '18.0.0', '20.20.2'));
    fc.assert(
      fc.property(
        fc.constantFrom(...compiled),
        claimed,
        fc.constantFrom('bun', 'deno'),
        (pkg, node, runtime) => {
          const versions: Record<string, string> = {
            [runtime]: '2.0.0',
            ...(node === undefined ? {} : { node }),
          };
          expect(evaluate(pkg.code, { process: { versions } })).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
    for (const pkg of compiled) {
      expect(evaluate(pkg.code, {})).toBeUndefined();
      expect(evaluate(pkg.code, { process: {} })).toBeUndefined();
    }
  });
});

// The built packages, laid out as an app's node_modules would hold them (their registry dependencies linked
// from the workspace), imported by a real Node below the floor and by the pinned Node 24.
describe('the built packages on a real Node.js', () => {
  const scratch = join(tmpdir(), `attache-engines-${process.pid}`);
  let oldNode = '';

  beforeAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await Promise.all(
      packages.map(async (pkg) => {
        const src = join(ROOT, 'packages', pkg.dir);
        const target = join(scratch, 'node_modules', pkg.manifest.name);
        await build({
          config: false,
          entry: entriesOf(src),
          outDir: join(target, 'dist'),
          format: ['esm'],
          target: 'es2023',
          tsconfig: join(src, 'tsconfig.json'),
          treeshake: true,
          dts: false,
          silent: true,
          // Every bare specifier stays an import, as in the published build.
          external: [/^[^./]/],
        });
        writeFileSync(join(target, 'package.json'), JSON.stringify(pkg.manifest));
        for (const dep of Object.keys({ ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies })) {
          const link = join(scratch, 'node_modules', dep);
          const from = join(src, 'node_modules', dep);
          if (dep.startsWith('@attache/') || existsSync(link) || !existsSync(from)) continue;
          mkdirSync(dirname(link), { recursive: true });
          symlinkSync(realpathSync(from), link, 'dir');
        }
      }),
    );
    oldNode = await nodeBelow22();
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const importWith = async (node: string, name: string): Promise<{ code: number; stderr: string }> => {
    const script = `import(${JSON.stringify(name)}).then(() => console.log('loaded'), (e) => { console.error(e.name + ': ' + e.message); process.exit(3); });`;
    try {
      const { stdout } = await run(node, ['--input-type=module', '-e', script], { cwd: scratch });
      return { code: stdout.includes('loaded') ? 0 : 1, stderr: '' };
    } catch (error) {
      const failed = error as { code: number; stderr: string };
      return { code: failed.code, stderr: failed.stderr };
    }
  };

  it.each(packages)('$manifest.name fails to import on Node 20 with one sentence', async (pkg) => {
    const { stdout: version } = await run(oldNode, ['-p', 'process.versions.node']);
    const result = await importWith(oldNode, pkg.manifest.name);
    expect(result.code).toBe(3);
    expect(result.stderr.trim()).toBe(
      `RangeError: ${sentence(pkg.manifest.name, pkg.major, pkg.minor, version.trim())}`,
    );
  });

  it.each(packages)('$manifest.name imports on the pinned Node 24', async (pkg) => {
    expect(await importWith(process.execPath, pkg.manifest.name)).toEqual({ code: 0, stderr: '' });
  });
});

/** A Node.js 20: the system's when it is one (Debian's machines ship 20), else npm's `node@20`, cached. */
async function nodeBelow22(): Promise<string> {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const { stdout } = await run(candidate, ['-p', 'process.versions.node']);
    if (Number(stdout.split('.')[0]) < 22) return candidate;
  }
  const cache = join(ROOT, 'node_modules', '.cache', 'attache-node20');
  const binary = join(cache, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'package.json'), '{"private":true}');
    await run('npm', ['install', '--no-fund', '--no-audit', '--loglevel=error', 'node@20'], { cwd: cache });
  }
  return binary;
}
