// bundles: browser bundles through esbuild (platform browser): no Node built-in imported, sizes.

import { writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  BROWSER_PACKAGES,
  type Consumer,
  NODE_ONLY_PACKAGES,
  type Pkg,
  type Recorder,
  ROOT,
} from './lib/context.ts';
import { indent, kB, readJson } from './lib/run.ts';

export interface SizeLimitEntry {
  readonly name: string;
  readonly import?: Readonly<Record<string, string>>;
  readonly limit?: string;
}

export function parseLimit(limit: string | undefined): number | undefined {
  const match = /^([\d.]+)\s*(B|kB|KB|KiB|MB)$/.exec(limit?.trim() ?? '');
  if (!match) return undefined;
  const factor: Record<string, number> = { B: 1, kB: 1000, KB: 1000, KiB: 1024, MB: 1_000_000 };
  return Number(match[1]) * (factor[match[2] ?? 'B'] ?? 1);
}

export async function bundles(pkgs: readonly Pkg[], consumer: Consumer, r: Recorder): Promise<void> {
  const byDir = new Map(pkgs.map((pkg) => [`packages/${pkg.dir}/dist/index.js`, pkg.name]));
  const sizeLimit = await readJson<SizeLimitEntry[]>(join(ROOT, '.size-limit.json')).catch(() => []);
  const bundleList: { name: string; code: string; limit: string | undefined; forbid?: RegExp }[] = [];
  for (const entry of sizeLimit) {
    const lines = Object.entries(entry.import ?? {}).map(([file, names]) => {
      const name = byDir.get(file);
      if (!name) throw new Error(`.size-limit.json "${entry.name}" imports ${file}, not a package's dist`);
      return `export ${names} from '${name}';`;
    });
    bundleList.push({ name: `size-limit: ${entry.name}`, code: lines.join('\n'), limit: entry.limit });
  }
  for (const pkg of pkgs) {
    if (!BROWSER_PACKAGES.has(pkg.name)) continue;
    bundleList.push({
      name: `everything in ${pkg.name}`,
      code: `export * from '${pkg.name}';`,
      limit: undefined,
    });
  }
  // sideEffects (the guard only) and ESM must let a bundler drop what is not used: `secret` alone pulls in no ky.
  bundleList.push({
    name: 'tree shaking: only secret() from @attache/core',
    code: `export { secret } from '@attache/core';`,
    limit: undefined,
    forbid: /node_modules\/(ky|jose)\//,
  });
  for (const pkg of pkgs) {
    if (BROWSER_PACKAGES.has(pkg.name) || NODE_ONLY_PACKAGES.has(pkg.name)) continue;
    r.fail(`${pkg.name}: not classified as browser or Node-only`);
  }

  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const table: Record<string, unknown> = {};
  for (const [index, bundle] of bundleList.entries()) {
    const entry = join(consumer.dir, `bundle-${index}.mjs`);
    await writeFile(entry, `${bundle.code}\n`);
    let text: string;
    let metafile: Metafile;
    try {
      const result = await build({
        entryPoints: [entry],
        absWorkingDir: consumer.dir,
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      text = result.outputFiles[0]?.text ?? '';
      metafile = result.metafile;
    } catch (error) {
      const errors =
        (error as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? [];
      r.fail(
        `${bundle.name}: esbuild (platform browser) failed:\n${indent(
          errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`).join('\n') || String(error),
        )}`,
      );
      continue;
    }
    const problems: string[] = [];
    for (const [input, info] of Object.entries(metafile.inputs)) {
      if (input.startsWith('node:') || builtins.has(input))
        problems.push(`bundles the Node built-in ${input}`);
      for (const imported of info.imports) {
        if (imported.path.startsWith('node:') || builtins.has(imported.path)) {
          problems.push(`${input} imports ${imported.path}`);
        }
      }
      if (!input.startsWith('node_modules/') && !input.startsWith('bundle-'))
        problems.push(`bundled ${input}`);
    }
    // What ends up in the output (esbuild lists every file it parsed in inputs, shaken away or not).
    const contributing = Object.entries(Object.values(metafile.outputs)[0]?.inputs ?? {})
      .filter(([, info]) => info.bytesInOutput > 0)
      .map(([input]) => input);
    for (const input of contributing)
      if (bundle.forbid?.test(input)) problems.push(`keeps code from ${input}`);
    for (const match of text.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](node:[\w/]+)["']/g,
    )) {
      problems.push(`output imports ${match[1]}`);
    }
    for (const problem of problems) r.fail(`${bundle.name}: ${problem}`);
    const brotli = brotliCompressSync(text, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    const gzip = gzipSync(text, { level: 9 }).length;
    const limit = parseLimit(bundle.limit);
    table[bundle.name] = {
      minified: text.length,
      brotli,
      gzip,
      limit: bundle.limit,
      files: contributing.length,
    };
    r.note(
      `${problems.length ? 'FAILED' : 'ok'}  ${bundle.name}: ${kB(text.length)} minified, ${kB(brotli)} brotli, ` +
        `${contributing.length} files` +
        (limit ? ` (budget ${bundle.limit} min+brotli, measured by size-limit in \`pnpm size\`)` : ''),
    );
  }
  r.data.bundles = table;
}
