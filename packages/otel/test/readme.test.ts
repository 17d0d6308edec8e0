import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkedSnippets } from '../../../test/support/snippet-check.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const PACKAGES = join(ROOT, 'packages');
const README = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const GUIDE = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'attache-otel-readme-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The runnable examples of a page: every `ts` block that starts with an import. */
const blocks = (page: string) =>
  [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((code) => code.startsWith('import '));

/** An example's code with the `@attache/*` imports pointed at this repository's sources. */
function fromSources(code: string): string {
  return code.replace(
    /from '@attache\/([a-z-]+)'/g,
    (_all, pkg: string) => `from ${JSON.stringify(join(PACKAGES, pkg, 'src/index.ts'))}`,
  );
}

const examples = [...blocks(README), ...blocks(GUIDE)];

describe('README and guide examples run as written', () => {
  it('has the examples this test expects (2 in the README, 3 in docs/observability.md)', () => {
    expect(blocks(README)).toHaveLength(2);
    expect(blocks(GUIDE)).toHaveLength(3);
  });

  it('each one runs', async () => {
    for (const [index, code] of examples.entries()) {
      const file = join(dir, `example-${index}.ts`);
      writeFileSync(file, fromSources(code));
      await expect(import(pathToFileURL(file).href)).resolves.toBeDefined();
    }
  });

  it("type-check under the project's strict settings", async () => {
    // Checked with the other documentation snippets in one program (test/support/snippet-check-run.ts),
    // each example as its own file outside the workspace; any problem in the program counts, as in `tsc -p`.
    const checked = await checkedSnippets('otel-readme');
    expect(checked.files).toEqual(
      Object.fromEntries(
        examples.map((code, index) => [`example-${index}.ts`, `${fromSources(code)}\nexport {};\n`]),
      ),
    );
    expect(checked.problems).toEqual([]);
  }, 60_000);
});
