// attw: are-the-types-wrong on each tarball (ESM-only profile).

import { join } from 'node:path';
import { BIN, type Packed, type Recorder, ROOT } from './lib/context.ts';
import { describeRun, mapLimit, run } from './lib/run.ts';

export async function runAttw(packed: readonly Packed[], r: Recorder): Promise<void> {
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
