// Runs the runnable recipes of docs/testing.md as written and type-checks every marked block, so the guide
// cannot drift from the code. Each block starts and closes its own msw server.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkedSnippets } from '../../../test/support/snippet-check.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const guide = readFileSync(join(root, '..', '..', 'docs', 'testing.md'), 'utf8');
const outDir = join(root, '.tsbuild', 'docs-test');
// `@attache/oauth-cc` is not a dependency of this package: the recipes reach its source directly.
const OAUTH_CC = join(root, '..', 'oauth-cc', 'src', 'index.ts');

function block(name: string): string {
  const match = new RegExp(`<!-- docs-test: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(guide);
  if (!match?.[1]) throw new Error(`docs/testing.md has no docs-test block "${name}"`);
  return match[1].replaceAll("'@attache/oauth-cc'", JSON.stringify(OAUTH_CC));
}

function write(name: string, exports: string, fileName = name): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${fileName}.ts`);
  writeFileSync(file, `${block(name)}\n${exports}\n`);
  return file;
}

async function run<T>(name: string, names: readonly string[]): Promise<T> {
  return (await import(/* @vite-ignore */ write(name, `export { ${names.join(', ')} };`))) as T;
}

describe('docs/testing.md', () => {
  it('one client per authentication method: each is issued a token by its own method', async () => {
    const { methods } = await run<{ methods: string[] }>('auth-methods', ['methods']);
    expect(methods).toEqual(['client_secret_basic', 'client_secret_jwt', 'private_key_jwt']);
  });

  it('the hybrid partner accepts a key, a token and a signature on one request', async () => {
    const { seen, api } = await run<{ seen: unknown; api: import('../src/index.ts').MockPartnerApi }>(
      'hybrid',
      ['seen', 'api'],
    );
    expect(seen).toEqual({
      ok: true,
      method: 'GET',
      path: '/orders',
      clientId: 'billing',
      keyId: 'client-42',
    });
    expect(api.requests[0]!.url).toBe('https://api.hybrid.test/orders?api_key=%5Bredacted%5D');
  });

  it('the fault recipe: retried 503s, a 429 handed back, a network error after every attempt', async () => {
    const { first, limited, broken, counts } = await run<{
      first: Response;
      limited: Response;
      broken: unknown;
      counts: unknown;
    }>('faults', ['first', 'limited', 'broken', 'counts']);
    expect(first.status).toBe(200);
    expect(limited.status).toBe(429);
    expect(broken).toMatchObject({ code: 'NETWORK' });
    expect(counts).toEqual({ requests: 7, failed: 3, networkErrors: 3, delayed: 0 });
  });

  it('every marked block type-checks under the project’s strict settings', async () => {
    const names = [...guide.matchAll(/<!-- docs-test: ([\w-]+) -->/g)].map((m) => m[1] ?? '');
    expect(names).toEqual(['node-setup', 'auth-methods', 'hybrid', 'faults']);
    // Checked with the other documentation snippets in one program (test/support/snippet-check-run.ts),
    // each block as its own file inside this package, so `@attache/testing` resolves as it does here.
    const checked = await checkedSnippets('testing-docs');
    expect(checked.files).toEqual(
      Object.fromEntries(names.map((name) => [`typecheck-${name}.ts`, `${block(name)}\nexport {};\n`])),
    );
    expect(checked.problems).toEqual([]);
  }, 60_000);
});
