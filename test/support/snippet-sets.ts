// The documentation snippets that tests type-check, as sets of files: each set is what one test checked on
// its own before, laid out where that test laid it out (inside its package, so `@attache/*` resolves as it
// does there, or outside the workspace with the imports pointed at the sources). One compiler program checks
// every set (test/support/snippet-check-run.ts); each test then asserts that the files checked for it are
// exactly the ones it extracts itself, and that they have no problems.
// Plain Node can load this file (the checker runs outside Vitest): erasable syntax and `.ts` imports only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const PACKAGES = join(ROOT, 'packages');

/** One test's snippets: file name → file content. */
export type SnippetFiles = Readonly<Record<string, string>>;

export interface SnippetSet {
  /** Where the files are written (module resolution depends on it). */
  readonly dir: string;
  readonly files: SnippetFiles;
  /**
   * Set for the checks that ran `tsc -p` over the snippets: any problem anywhere in the program (in a source
   * file the snippets import, too) counts against the set, as it did in `tsc`'s output.
   */
  readonly wholeProgram: boolean;
}

export type SnippetSetId =
  | 'core-readme'
  | 'testing-readme'
  | 'testing-docs'
  | 'api-key-readme'
  | 'oauth-cc-readme'
  | 'otel-readme';

export interface CheckedSet {
  readonly files: SnippetFiles;
  readonly problems: readonly string[];
}

export type SnippetCheckResult =
  | { readonly sets: Readonly<Record<string, CheckedSet>> }
  | { readonly error: string };

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The ```ts block after each `<!-- {kind}: name -->` marker, first block after the marker. */
function markedBlocks(text: string, kind: string): [string, string][] {
  const names = [...text.matchAll(new RegExp(`<!-- ${kind}: ([\\w-]+) -->`, 'g'))].map((m) => m[1] ?? '');
  return names.map((name) => {
    const marker = `<!-- ${kind}: ${name} -->`;
    const match = /^```ts\n([\s\S]*?)^```/m.exec(text.slice(text.indexOf(marker) + marker.length));
    if (!match?.[1]) throw new Error(`no ts block after ${marker}`);
    return [name, match[1]];
  });
}

/** Every ```ts block that starts with an import, its `@attache/*` imports pointed at the sources. */
function importingBlocks(text: string): string[] {
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((code) => code.startsWith('import '))
    .map((code) =>
      code.replace(
        /from '@attache\/([a-z-]+)'/g,
        (_all, pkg: string) => `from ${JSON.stringify(join(PACKAGES, pkg, 'src/index.ts'))}`,
      ),
    );
}

/** The testing package's marked blocks, which reach oauth-cc (not its dependency) by path. */
function testingBlocks(text: string, kind: string): Record<string, string> {
  const oauthCc = JSON.stringify(join(PACKAGES, 'oauth-cc', 'src', 'index.ts'));
  return Object.fromEntries(
    markedBlocks(text, kind).map(([name, code]) => [
      `typecheck-${name}.ts`,
      `${code.replace(/\n$/, '').replaceAll("'@attache/oauth-cc'", oauthCc)}\nexport {};\n`,
    ]),
  );
}

const numbered = (codes: readonly string[]): Record<string, string> =>
  Object.fromEntries(codes.map((code, index) => [`example-${index}.ts`, code]));

/**
 * Every set, laid out for one run: `inside(pkg)` is a fresh folder inside that package, `outside` one outside
 * the workspace.
 */
export function snippetSets(
  inside: (pkg: string) => string,
  outside: string,
): Record<SnippetSetId, SnippetSet> {
  const otel = [
    ...importingBlocks(read('packages/otel/README.md')),
    ...importingBlocks(read('docs/observability.md')),
  ];
  return {
    'core-readme': {
      dir: join(inside('core'), 'core-readme'),
      files: Object.fromEntries(
        markedBlocks(read('packages/core/README.md'), 'readme-test').map(([name, code]) => [
          `${name}.ts`,
          code,
        ]),
      ),
      wholeProgram: false,
    },
    'testing-readme': {
      dir: join(inside('testing'), 'testing-readme'),
      files: testingBlocks(read('packages/testing/README.md'), 'readme-test'),
      wholeProgram: false,
    },
    'testing-docs': {
      dir: join(inside('testing'), 'testing-docs'),
      files: testingBlocks(read('docs/testing.md'), 'docs-test'),
      wholeProgram: false,
    },
    'api-key-readme': {
      dir: join(outside, 'api-key-readme'),
      files: numbered(importingBlocks(read('packages/api-key/README.md'))),
      wholeProgram: true,
    },
    'oauth-cc-readme': {
      dir: join(outside, 'oauth-cc-readme'),
      files: numbered(importingBlocks(read('packages/oauth-cc/README.md'))),
      wholeProgram: true,
    },
    'otel-readme': {
      dir: join(outside, 'otel-readme'),
      files: numbered(otel.map((code) => `${code}\nexport {};\n`)),
      wholeProgram: true,
    },
  };
}
