import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');
const sources = readdirSync(SRC)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => join(SRC, name));

describe('@attache/api-key runs on every platform', () => {
  it('imports nothing but @attache/core (and its internal helpers and engines check) and its own files', () => {
    const imports = sources.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from\s+'([^']+)'/g)].map((match) => match[1] ?? ''),
    );
    expect(
      imports.filter(
        (specifier) =>
          specifier !== '@attache/core' &&
          specifier !== '@attache/core/internal' &&
          specifier !== '@attache/core/engines' &&
          !specifier.startsWith('./'),
      ),
    ).toEqual([]);
  });

  it('compiles with types: [] (no Node globals)', () => {
    const tsc = join(import.meta.dirname, '../../../node_modules/typescript/bin/tsc');
    const output = execFileSync(
      process.execPath,
      [tsc, '-p', join(import.meta.dirname, '../tsconfig.json'), '--noEmit'],
      {
        encoding: 'utf8',
      },
    );
    expect(output).toBe('');
    const config = JSON.parse(readFileSync(join(import.meta.dirname, '../tsconfig.json'), 'utf8')) as {
      compilerOptions: { types: string[] };
    };
    expect(config.compilerOptions.types).toEqual([]);
  }, 60_000);
});
