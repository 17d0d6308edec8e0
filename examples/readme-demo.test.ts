// The README shows what `pnpm demo` prints. This runs the demo as `pnpm demo` does and compares the whole
// output with the README's block, every table cell and note included; only the timings (p50/p99 columns, "finished in"
// and how many minutes into its token the refresh ran) are left out of the comparison.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function comparable(output: string): string[] {
  return output
    .trim()
    .split('\n')
    .map((line) => {
      if (line.startsWith('finished in ')) return 'finished in <ms>';
      // How far past the refresh point the background refresh ran depends on timing too.
      // Span durations in the trace tree vary as well.
      if (!line.startsWith('│'))
        return line.replace(/\(\d+ min into/, '(<n> min into').replace(/, [\d.]+ ms\)/, ', <ms>)');
      // Table rows: the two last cells are milliseconds.
      const cells = line.split('│').map((cell) => cell.trim());
      return cells
        .map((cell, i) => (/^\d+$/.test(cell) && i >= cells.length - 3 ? '<ms>' : cell))
        .join(' | ');
    })
    .filter((line) => !/^[┌├└]/.test(line));
}

describe('the README demo block', () => {
  it('is what `pnpm demo` prints', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```text\n(Starting the partner sandbox[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a ```text block starting with the demo output').toBeDefined();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@attache/source', join(ROOT, 'examples/demo.ts')],
      { cwd: ROOT },
    );
    const printed = comparable(stdout);
    expect(printed.length).toBeGreaterThan(20);
    expect(comparable(block ?? '')).toEqual(printed);
  }, 60_000);
});
