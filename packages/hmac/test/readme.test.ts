// Runs the README's examples as written: each `<!-- readme-test: name -->` block is written to a module
// and imported. The client example's requests go to an msw partner that runs the server example.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// Inside the package (so `@attache/hmac` resolves to this package), in a git- and lint-ignored directory.
const outDir = join(root, '.tsbuild', 'readme-test');

function example(name: string): string {
  const match = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match) throw new Error(`README has no readme-test block "${name}"`);
  return match[1]!;
}

async function load<T>(name: string, exports: string): Promise<T> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.ts`);
  writeFileSync(file, `${example(name)}\n${exports}\n`);
  return (await import(/* @vite-ignore */ file)) as T;
}

const server = useMswServer();
afterEach(() => vi.unstubAllEnvs());

describe('README', () => {
  it('the client example is signed and accepted by the server example', async () => {
    vi.stubEnv('PARTNER_HMAC_SECRET', 'readme-shared-secret-0123456789ab');
    const { handle } = await load<{ handle: (request: Request) => Promise<Response> }>('server', '');
    const seen: Request[] = [];
    server.use(
      http.post('https://api.partner.example/payments', ({ request }) => {
        seen.push(request.clone());
        return handle(request);
      }),
    );

    const { response } = await load<{ response: Response }>('client', 'export { response };');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: true, signedBy: 'client-42' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.get('signature-input')).toMatch(
      /^sig1=\("@method" "@target-uri" "content-digest" "content-type" "idempotency-key"\);created=\d+;keyid="client-42";alg="hmac-sha256";nonce="[^"]+"$/,
    );
  });

  it('documents every reason a verifier gives', async () => {
    const source = readFileSync(join(root, 'src', 'verify-result.ts'), 'utf8');
    const union = /export type HmacRejectionReason =([\s\S]*?);/.exec(source)![1]!;
    const reasons = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]);
    expect(reasons.length).toBeGreaterThan(10);
    for (const reason of reasons) expect(readme).toContain(`| \`${reason}\` |`);
  });
});
