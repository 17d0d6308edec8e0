// types: consumer projects type-checked against the installed packages (skipLibCheck off).

import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Consumer, FIXTURES, type Pkg, type Recorder, ROOT } from './lib/context.ts';
import { indent, mapLimit, run } from './lib/run.ts';

export async function typeCheck(pkgs: readonly Pkg[], consumer: Consumer, r: Recorder): Promise<void> {
  for (const file of await readdir(FIXTURES)) {
    if (file.startsWith('consumer-')) await copyFile(join(FIXTURES, file), join(consumer.dir, file));
  }
  const fixtureImports = new Set<string>();
  for (const file of ['consumer-node.ts', 'consumer-cjs.cts']) {
    const text = await readFile(join(FIXTURES, file), 'utf8');
    for (const match of text.matchAll(/(?:from|require\()\s*'(@attache\/[^']+)'/g))
      fixtureImports.add(match[1] ?? '');
  }
  for (const pkg of pkgs) {
    if (!fixtureImports.has(pkg.name)) {
      r.fail(`${pkg.name} is not imported by scripts/package-smoke/consumer-node.ts or consumer-cjs.cts`);
    }
  }
  // Packages that work without DOM types: what a Node-only project (lib ES20xx + @types/node) compiles.
  const noDom = pkgs.filter((pkg) => !pkg.manifest.peerDependencies?.msw);
  await writeFile(
    join(consumer.dir, 'consumer-node-no-dom.ts'),
    noDom.map((pkg, i) => `export * as p${i} from '${pkg.name}';\n`).join(''),
  );
  const strict = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'ES2023',
  };
  const nodeTypes = { types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] };
  const projects = [
    {
      name: 'browser app (bundler resolution, DOM, no Node types)',
      file: 'tsconfig.browser.json',
      advisory: false,
      config: {
        compilerOptions: {
          ...strict,
          module: 'preserve',
          moduleResolution: 'bundler',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          types: [],
        },
        files: ['consumer-browser.ts'],
      },
    },
    {
      name: 'Node service, ESM and CommonJS (nodenext, DOM + Node types)',
      file: 'tsconfig.node.json',
      advisory: false,
      config: {
        compilerOptions: {
          ...strict,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          ...nodeTypes,
        },
        files: ['consumer-node.ts', 'consumer-cjs.cts'],
      },
    },
    {
      name: `Node service without the DOM lib (${noDom.length} packages without msw)`,
      file: 'tsconfig.node-no-dom.json',
      advisory: false,
      config: {
        compilerOptions: {
          ...strict,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2023'],
          ...nodeTypes,
        },
        files: ['consumer-node-no-dom.ts'],
      },
    },
  ];
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await mapLimit(projects, 3, async (project) => {
    await writeFile(join(consumer.dir, project.file), `${JSON.stringify(project.config, null, 2)}\n`);
    const result = await run(process.execPath, [tsc, '-p', project.file, '--pretty', 'false'], {
      cwd: consumer.dir,
      timeoutMs: 300_000,
    });
    if (result.code === 0) {
      r.note(`ok  ${project.name} (${(result.ms / 1000).toFixed(1)} s)`);
      return;
    }
    const output = result.stdout.trim() || result.stderr.trim();
    // A dependency's own declarations can break under skipLibCheck: false (ioredis 6 imports the untyped
    // `redis-errors`): reported, not failed. Every error in Attaché's declarations or the consumer's files
    // still fails.
    const entries = output.split(/\n(?=\S)/);
    const foreign = entries.filter((entry) => /^node_modules\/(?!@attache\/)/.test(entry));
    const own = entries.filter((entry) => !foreign.includes(entry));
    if (foreign.length > 0) {
      r.note(`third-party declarations, not failed: ${project.name}:\n${indent(foreign.join('\n'))}`);
    }
    if (own.length === 0) {
      r.note(`ok  ${project.name}, apart from third-party declarations (${(result.ms / 1000).toFixed(1)} s)`);
      return;
    }
    const errors = own.join('\n');
    if (project.advisory) r.note(`advisory, not failed: ${project.name}:\n${indent(errors)}`);
    else r.fail(`${project.name}:\n${indent(errors)}`);
  });
}
