import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('@attache/core runs on every platform', () => {
  it('has no node: import (nor a bare Node builtin) in src', () => {
    const offenders = sourceFiles(SRC).filter((file) =>
      /from\s+['"](node:|fs['"]|path['"]|crypto['"]|http['"]|https['"]|util['"]|buffer['"])/.test(
        readFileSync(file, 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('compiles with types: [] (no Node globals)', () => {
    const tsc = join(import.meta.dirname, '../../../node_modules/typescript/bin/tsc');
    const result = execFileSync(
      process.execPath,
      [tsc, '-p', join(import.meta.dirname, '../tsconfig.json'), '--noEmit'],
      {
        encoding: 'utf8',
      },
    );
    expect(result).toBe('');
    const config = JSON.parse(readFileSync(join(import.meta.dirname, '../tsconfig.json'), 'utf8')) as {
      compilerOptions: { types: string[] };
    };
    expect(config.compilerOptions.types).toEqual([]);
  }, 60_000);
});
