// A folder for this run's shared snippet type-check (test/support/snippet-check.ts), removed at the end.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'attache-snippet-check-'));
  project.provide('snippetCheckDir', dir);
  // Watch mode runs this setup once: each rerun checks the snippets again, against the sources as they are now.
  project.onTestsRerun(() => {
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
  });
  return () => rmSync(dir, { recursive: true, force: true });
}
