// A folder for this run's shared snippet type-check (test/support/snippet-check.ts), removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'attache-snippet-check-'));
  project.provide('snippetCheckDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
