/**
 * docs/security.md says which test proves which claim: every test file of this suite is described there,
 * every file it links exists, and every known gap it lists has a test marked `it.fails`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const doc = readFileSync(join(here, '..', 'docs', 'security.md'), 'utf8');

describe('docs/security.md', () => {
  it('describes every test file of the suite', () => {
    const files = readdirSync(here).filter(
      (name) => name.endsWith('.test.ts') && name !== 'security-doc.test.ts',
    );
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(doc, file).toContain(`(../test/${file})`);
  });

  it('links only files that exist', () => {
    const links = [...doc.matchAll(/\]\((\.\.\/[^)#]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(existsSync(join(here, '..', 'docs', link)), link).toBe(true);
  });

  it('names, for every test marked it.fails, its file under Known gaps, and claims none when there is none', () => {
    const section = doc.slice(doc.indexOf('## Known gaps'));
    const withKnownGaps = readdirSync(here).filter(
      (name) => name.endsWith('.test.ts') && /\bit\.fails\(/.test(readFileSync(join(here, name), 'utf8')),
    );
    if (withKnownGaps.length === 0) {
      expect(section).toMatch(/None is known today/);
      return;
    }
    expect(section).not.toMatch(/None is known today/);
    for (const file of withKnownGaps) expect(section, file).toContain(`(../test/${file})`);
  });
});
