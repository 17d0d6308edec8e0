// The commands the docs show work on a fresh machine's own Node (Debian's is 20, too old to run the
// TypeScript examples): every `node` command in a shell block goes through `pnpm exec`, which puts the
// workspace's pinned Node first, and one of them is run here from a PATH whose `node` is the system's.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'api' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

describe('commands in the docs', () => {
  it('run `node` only through pnpm (the pinned Node), never as the system `node`', () => {
    const files = [
      join(ROOT, 'README.md'),
      ...['docs', 'examples', 'packages'].flatMap((dir) => markdownFiles(join(ROOT, dir))),
    ];
    expect(files.length).toBeGreaterThan(15);
    const offenders = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/```(?:sh|bash|console)\n([\s\S]*?)```/g)].flatMap((block) =>
        (block[1] ?? '')
          .split('\n')
          .filter((line) => /^(\$ )?node\s/.test(line.trim()))
          .map((line) => `${relative(ROOT, file)}: ${line.trim()}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it("runs an example as examples/README.md shows, with the system's Node first on PATH", async () => {
    const readme = readFileSync(join(ROOT, 'examples/README.md'), 'utf8');
    const line = /^pnpm exec node .*oauth-cc\.ts/m.exec(readme)?.[0];
    expect(line).toBeDefined();
    const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path));
    expect(systemNode, 'a system Node').toBeDefined();
    const pnpm = ['/usr/bin/pnpm', '/usr/local/bin/pnpm'].find((path) => existsSync(path)) ?? 'pnpm';
    const args = (line ?? '').split(/\s+/).slice(1);
    const { stdout } = await promisify(execFile)(pnpm, args, {
      cwd: ROOT,
      env: { ...process.env, PATH: `/usr/local/bin:/usr/bin:/bin` },
      timeout: 60_000,
    });
    expect(stdout.length).toBeGreaterThan(0);
  }, 90_000);
});
