// The published workspace packages (private ones are skipped).

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Manifest, type Pkg, ROOT } from './context.ts';
import { readJson } from './run.ts';
import { floorOf } from './versions.ts';

export async function discover(): Promise<Pkg[]> {
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
