// Node binaries (npm's `node` package), cached between runs.

import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Recorder, ROOT } from './context.ts';
import { describeRun, run } from './run.ts';

export function cacheDir(): string {
  return process.env.ATTACHE_CHECK_CACHE || join(homedir(), '.cache', 'attache-check');
}

export async function ensureNode(version: string, r: Recorder): Promise<string | undefined> {
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
