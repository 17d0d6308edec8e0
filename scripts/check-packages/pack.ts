// pack: `pnpm pack`; what the tarball holds (export targets, source maps, no workspace: ranges).

import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Manifest, Packed, Pkg, Recorder } from './lib/context.ts';
import { describeRun, kB, mapLimit, run } from './lib/run.ts';
import { exportTargets, tarballName, untar } from './lib/tarball.ts';
import { parseVersion, satisfies } from './lib/versions.ts';

/** Files a tarball may hold at its top level. */
export const PUBLISHED_TOP_LEVEL: ReadonlySet<string> = new Set([
  'dist',
  'src',
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
]);

export async function packAll(pkgs: readonly Pkg[], r: Recorder, tmp: string): Promise<Packed[]> {
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
