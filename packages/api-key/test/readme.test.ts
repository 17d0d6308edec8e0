import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mockPartnerApi } from '@attache/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { checkedSnippets } from '../../../test/support/snippet-check.ts';
import { useMswServer } from './support/msw.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const PACKAGES = join(ROOT, 'packages');
const README = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const server = useMswServer();
const dir = mkdtempSync(join(tmpdir(), 'attache-api-key-readme-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The README's runnable examples: every `ts` block that starts with an import. */
const examples = [...README.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((match) => match[1] ?? '')
  .filter((code) => code.startsWith('import '));

/** An example's code with the `@attache/*` imports pointed at this repository's sources. */
function fromSources(code: string): string {
  return code.replace(
    /from '@attache\/([a-z-]+)'/g,
    (_all, pkg: string) => `from ${JSON.stringify(join(PACKAGES, pkg, 'src/index.ts'))}`,
  );
}

/**
 * Runs one README example exactly as written, with the `@attache/*` imports pointed at this repository's
 * sources (the temp file lives outside the workspace, where the package names do not resolve).
 */
async function runExample(index: number): Promise<void> {
  const file = join(dir, `example-${index}-${Date.now()}.ts`);
  writeFileSync(file, fromSources(examples[index] ?? ''));
  await import(pathToFileURL(file).href);
}

describe('README examples run as written', () => {
  it('has the two examples this test expects', () => {
    expect(examples).toHaveLength(2);
  });

  it("type-check under the project's strict settings", async () => {
    // Checked with the other documentation snippets in one program (test/support/snippet-check-run.ts),
    // each example as its own file outside the workspace; any problem in the program counts, as in `tsc -p`.
    const checked = await checkedSnippets('api-key-readme');
    expect(checked.files).toEqual(
      Object.fromEntries(examples.map((code, index) => [`example-${index}.ts`, fromSources(code)])),
    );
    expect(checked.problems).toEqual([]);
  }, 60_000);

  it('quick example: the key travels in X-API-Key to the partner', async () => {
    vi.stubEnv('PARTNER_API_KEY', 'live-key-123');
    const api = mockPartnerApi({
      baseUrl: 'https://api.partner.example/v1',
      guards: { apiKey: { keys: 'live-key-123' } },
      routes: {
        'GET /orders': ({ request }) => {
          expect(new URL(request.url).searchParams.get('status')).toBe('open');
          return { orders: [{ id: 42 }] };
        },
      },
    });
    server.use(...api.handlers);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    await runExample(0);

    // The one request carried the one key the partner accepts, in X-API-Key.
    expect(api.calls).toEqual({ total: 1, accepted: 1, rejected: 0, faulted: 0 });
    expect(log).toHaveBeenCalledWith(200, { orders: [{ id: 42 }] });
  });

  it('rotation example: a 401 re-reads the key file and replays once with the new key', async () => {
    const keyFile = join(dir, 'partner-api-key');
    writeFileSync(keyFile, 'key-v1\n');
    vi.stubEnv('PARTNER_KEY_FILE', keyFile);
    const seen: (string | null)[] = [];
    server.use(
      http.get('https://api.partner.example/v1/orders', ({ request }) => {
        const key = new URL(request.url).searchParams.get('key');
        seen.push(key);
        if (key === 'key-v2') return HttpResponse.json({ orders: [] });
        // The partner revoked key-v1, and the secret manager has written the new key.
        writeFileSync(keyFile, 'key-v2\n');
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    await runExample(1);

    expect(seen).toEqual(['key-v1', 'key-v2']);
    expect(log).toHaveBeenCalledWith(200);
  });
});
