// Type-checks every documentation snippet set in one compiler program and writes the result where the tests
// wait for it (test/support/snippet-check.ts starts this once per run). The sets were checked by six programs
// before, one per test, each loading the same libraries, @types/node and package sources again; all of them
// use the same compiler options (the root tsconfig.json, `types: ['node']`, no emit), so one program gives
// each file the same diagnostics. Usage: node snippet-check-run.ts RUN_DIR
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { type CheckedSet, type SnippetCheckResult, snippetSets } from './snippet-sets.ts';

const ROOT = join(import.meta.dirname, '../..');
const runDir = process.argv[2];
if (runDir === undefined) throw new Error('usage: snippet-check-run.ts RUN_DIR');

function writeResult(result: SnippetCheckResult): void {
  const staging = join(runDir as string, `result.${process.pid}.json`);
  writeFileSync(staging, JSON.stringify(result));
  renameSync(staging, join(runDir as string, 'result.json'));
}

function format(diagnostic: ts.Diagnostic): string {
  const where =
    diagnostic.file && diagnostic.start !== undefined
      ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      : undefined;
  const file = diagnostic.file?.fileName ?? '(program)';
  return `${file}:${where ? where.line + 1 : '?'}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
}

function check(): Record<string, CheckedSet> {
  const inside = (pkg: string): string =>
    join(ROOT, 'packages', pkg, '.tsbuild', `snippet-check-${basename(runDir as string)}`);
  const sets = snippetSets(inside, runDir as string);
  const written = new Map<string, string[]>();
  try {
    for (const [id, set] of Object.entries(sets)) {
      mkdirSync(set.dir, { recursive: true });
      // Outside the workspace no package.json says these files are ES modules. Inside, the package's own
      // package.json must stay the nearest one: `@attache/<pkg>` resolves to the package itself through it.
      if (!set.dir.startsWith(`${ROOT}/`))
        writeFileSync(join(set.dir, 'package.json'), JSON.stringify({ type: 'module' }));
      written.set(
        id,
        Object.entries(set.files).map(([name, code]) => {
          writeFileSync(join(set.dir, name), code);
          return join(set.dir, name);
        }),
      );
    }
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    if (!config) throw new Error('tsconfig.json could not be read');
    const program = ts.createProgram([...written.values()].flat(), {
      ...config.options,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      noEmit: true,
    });
    const everywhere = [
      ...config.errors,
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
    ].map(format);
    const snippetFiles = new Set([...written.values()].flat());
    const ofFile = (sourceFile: ts.SourceFile): string[] =>
      [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)].map(
        format,
      );
    // What `tsc -p` also reported: problems in the sources the snippets import. The program holds every set's
    // imports, so a problem in a source only one set imports fails each `wholeProgram` set: reported more than
    // once, never missed.
    const elsewhere = program
      .getSourceFiles()
      .filter((file) => !file.isDeclarationFile && !snippetFiles.has(file.fileName))
      .flatMap(ofFile);
    return Object.fromEntries(
      Object.entries(sets).map(([id, set]) => {
        const own = (written.get(id) ?? []).flatMap((file) => {
          const sourceFile = program.getSourceFile(file);
          return sourceFile ? ofFile(sourceFile) : [`${file}: not in the program`];
        });
        const problems = [...everywhere, ...own, ...(set.wholeProgram ? elsewhere : [])];
        return [id, { files: set.files, problems }];
      }),
    );
  } finally {
    for (const set of Object.values(sets)) rmSync(set.dir, { recursive: true, force: true });
    for (const pkg of ['core', 'testing']) rmSync(inside(pkg), { recursive: true, force: true });
  }
}

try {
  writeResult({ sets: check() });
} catch (error) {
  writeResult({ error: (error as Error).stack ?? String(error) });
}
