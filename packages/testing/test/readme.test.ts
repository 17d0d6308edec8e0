// Runs the README's example as written (each `<!-- readme-test: name -->` block), type-checks it under the
// project's compiler settings, and checks that the README's tables name every option the code has.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkedSnippets } from '../../../test/support/snippet-check.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// Inside the package, so `@attache/testing` resolves to this package; git- and lint-ignored.
const outDir = join(root, '.tsbuild', 'readme-test');
// `@attache/oauth-cc` is not a dependency of this package: the example reaches its source directly.
const OAUTH_CC = join(root, '..', 'oauth-cc', 'src', 'index.ts');

function example(name: string): string {
  const match = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`README has no readme-test block "${name}"`);
  return match[1].replaceAll("'@attache/oauth-cc'", JSON.stringify(OAUTH_CC));
}

function write(name: string, exports: string, fileName = name): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${fileName}.ts`);
  writeFileSync(file, `${example(name)}\n${exports}\n`);
  return file;
}

describe('README', () => {
  it('the quick start runs: a token from the mock server, two 503s retried, the order answered', async () => {
    const file = write(
      'quick-start',
      'export { order, tokenRequests, apiCalls, response, api, authorizationServer };',
    );
    const module = (await import(/* @vite-ignore */ file)) as {
      order: unknown;
      tokenRequests: number;
      apiCalls: number;
      response: Response;
      api: import('../src/index.ts').MockPartnerApi;
      authorizationServer: import('../src/index.ts').MockAuthorizationServer;
    };
    expect(module.response.status).toBe(200);
    expect(module.order).toEqual({ id: '42', status: 'shipped' });
    expect(module.tokenRequests).toBe(1);
    expect(module.apiCalls).toBe(3);
    expect(module.api.requests.map((r) => r.outcome)).toEqual(['faulted', 'faulted', 'accepted']);
    expect(module.authorizationServer.issued[0]).toMatchObject({
      clientId: 'billing',
      authMethod: 'client_secret_basic',
    });
  });

  it('every marked block type-checks under the project’s strict settings', async () => {
    const names = [...readme.matchAll(/<!-- readme-test: ([\w-]+) -->/g)].map((m) => m[1] ?? '');
    expect(names).toEqual(['quick-start']);
    // Checked with the other documentation snippets in one program (test/support/snippet-check-run.ts),
    // each block as its own file inside this package, so `@attache/testing` resolves as it does here.
    const checked = await checkedSnippets('testing-readme');
    expect(checked.files).toEqual(
      Object.fromEntries(names.map((name) => [`typecheck-${name}.ts`, `${example(name)}\nexport {};\n`])),
    );
    expect(checked.problems).toEqual([]);
  }, 60_000);

  it('the option tables name every option of the code', () => {
    const fieldsOf = (file: string, name: string): string[] => {
      const source = readFileSync(join(root, 'src', file), 'utf8');
      const body = new RegExp(`export interface ${name} (?:extends [\\w, ]+ )?\\{([\\s\\S]*?)\\n\\}`).exec(
        source,
      )?.[1];
      if (body === undefined) throw new Error(`no interface ${name} in ${file}`);
      return [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((m) => m[1] ?? '');
    };
    // `dpop` and `guards` are documented field by field.
    const expected = [
      ...fieldsOf('authorization-server/options.ts', 'MockAuthorizationServerOptions').filter(
        (f) => f !== 'dpop',
      ),
      ...fieldsOf('authorization-server/options.ts', 'MockDpopOptions').map((field) => `dpop.${field}`),
      ...fieldsOf('client-authentication.ts', 'MockClient'),
      ...fieldsOf('mock-partner-api.ts', 'MockPartnerApiOptions').filter((f) => f !== 'guards'),
      ...fieldsOf('mock-partner-api.ts', 'PartnerGuards').map((field) => `guards.${field}`),
      ...fieldsOf('mock-authorization-server.ts', 'MockAuthorizationServer'),
    ];
    expect(expected.length).toBeGreaterThan(40);
    const missing = expected.filter((field) => !readme.includes(`\`${field}\``));
    expect(missing).toEqual([]);
  });
});
