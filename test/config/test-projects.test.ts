// The node project runs many files one after another in the same worker (`isolate: false`): what a file changes
// in the process must be put back by the file itself, and a file that replaces modules must run isolated.
// These rules are checked on the test files' text, so a new file cannot break them unnoticed.
import { globSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  HEAVY,
  MOCKS_MODULES,
  NODE_INCLUDE,
  NODE_TRANSPORT_SUITES,
  SLOW_FIRST,
} from '../support/projects.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const shared = globSync(NODE_INCLUDE, {
  cwd: root,
  exclude: (name) => name === 'node_modules',
})
  .filter((file) => !file.endsWith('.browser.test.ts'))
  .filter((file) => !HEAVY.includes(file) && !MOCKS_MODULES.includes(file))
  .sort();

const source = (file: string): string => readFileSync(`${root}${file}`, 'utf8');

describe('test files sharing a worker', () => {
  it('finds the node project files', () => {
    expect(shared.length).toBeGreaterThan(100);
    expect(shared).toContain('test/config/test-projects.test.ts');
  });

  it('replace no modules (those are listed in MOCKS_MODULES and run isolated)', () => {
    const mocking = shared.filter((file) => /\bvi\.(do)?mock\(/.test(source(file)));
    expect(mocking).toEqual([]);
    for (const file of MOCKS_MODULES) expect(source(file)).toMatch(/\bvi\.(do)?mock\(/);
  });

  it('put back stubbed globals and environment variables', () => {
    const leaking = shared.filter((file) => {
      const text = source(file);
      return (
        (/\bvi\.stubGlobal\(/.test(text) && !/\bvi\.unstubAllGlobals\(/.test(text)) ||
        (/\bvi\.stubEnv\(/.test(text) && !/\bvi\.unstubAllEnvs\(/.test(text))
      );
    });
    expect(leaking).toEqual([]);
  });

  it('restore what they assign to process.env', () => {
    // An assignment must be undone in the same file: a `delete process.env.NAME` or `vi.stubEnv` instead.
    const leaking = shared.filter((file) => {
      const text = source(file);
      const assigned = [...text.matchAll(/process\.env\.([A-Z_][A-Z0-9_]*) = /g)].map((m) => m[1]);
      return assigned.some((name) => !text.includes(`delete process.env.${name}`));
    });
    expect(leaking).toEqual([]);
  });

  it('go back to real timers after fake ones', () => {
    const leaking = shared.filter((file) => {
      const text = source(file);
      return /\bvi\.useFakeTimers\(/.test(text) && !/\bvi\.useRealTimers\(\)/.test(text);
    });
    expect(leaking).toEqual([]);
  });

  it('name only files that exist in the project lists', () => {
    for (const file of [...HEAVY, ...MOCKS_MODULES, ...NODE_TRANSPORT_SUITES, ...SLOW_FIRST]) {
      expect(() => source(file), file).not.toThrow();
    }
  });
});
