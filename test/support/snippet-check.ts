// The tests' side of the shared snippet type-check (test/support/snippet-check-run.ts): the first test file
// that asks starts the one check for every set, and every asking file waits for its result. The run's folder
// comes from test/support/snippet-check.global.ts, which removes it when the run ends.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import type { CheckedSet, SnippetCheckResult, SnippetSetId } from './snippet-sets.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    snippetCheckDir: string;
  }
}

const RUNNER = join(import.meta.dirname, 'snippet-check-run.ts');

function start(runDir: string, result: string): void {
  const child = spawn(process.execPath, [RUNNER, runDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const failed = (why: string): void => {
    if (!existsSync(result))
      writeFileSync(result, JSON.stringify({ error: `snippet check ${why}\n${stderr}` }));
  };
  child.on('error', (error) => failed(`did not start: ${error.message}`));
  child.on('close', (code) => {
    if (code !== 0) failed(`exited with ${code}`);
  });
}

/** The files checked for `id` and their problems (none, when the snippets compile). */
export async function checkedSnippets(id: SnippetSetId): Promise<CheckedSet> {
  const runDir = inject('snippetCheckDir');
  const result = join(runDir, 'result.json');
  try {
    closeSync(openSync(join(runDir, 'started'), 'wx'));
    start(runDir, result);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  while (!existsSync(result)) await sleep(100);
  const checked = JSON.parse(readFileSync(result, 'utf8')) as SnippetCheckResult;
  if ('error' in checked) throw new Error(checked.error);
  const set = checked.sets[id];
  if (set === undefined) throw new Error(`the snippet check has no set ${id}`);
  return set;
}
