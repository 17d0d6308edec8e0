import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from './support/msw.ts';

const DOC = fileURLToPath(new URL('../../../docs/token-source.md', import.meta.url));

/** The first ```ts block after `heading` in docs/token-source.md. */
async function docBlock(heading: string): Promise<string> {
  const text = await readFile(DOC, 'utf8');
  const section = text.slice(text.indexOf(heading));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no ts block after ${heading}`);
  return match[1];
}

describe('docs/token-source.md', () => {
  const server = useMswServer();

  it('runs the quick start exactly as written', async () => {
    const counts = { login: 0, orders: 0 };
    server.use(
      http.post('https://partner.example/login', async ({ request }) => {
        counts.login++;
        const body = (await request.json()) as { username: string; password: string };
        if (body.username !== 'robot-7' || body.password !== 'pa55word')
          return new HttpResponse(null, { status: 401 });
        return HttpResponse.json({ token: 'doc-token', expires_in: 600 });
      }),
      http.get('https://partner.example/orders', ({ request }) => {
        counts.orders++;
        return request.headers.get('authorization') === 'Bearer doc-token'
          ? HttpResponse.json([{ id: 'o-1' }])
          : new HttpResponse(null, { status: 401 });
      }),
    );
    const code = await docBlock('## Quick start');
    // Written next to this test so `@attache/core` resolves as it does for the tests; removed at once.
    const file = fileURLToPath(new URL(`./.token-docs-${randomUUID()}.ts`, import.meta.url));
    await writeFile(file, `${code}\nexport { orders, source };\n`);
    const previous = process.env.PARTNER_PASSWORD;
    process.env.PARTNER_PASSWORD = 'pa55word';
    try {
      const module = (await import(/* @vite-ignore */ file)) as { orders: unknown; source: { key: string } };
      expect(module.orders).toEqual([{ id: 'o-1' }]);
      expect(module.source.key).toContain('robot-7');
      expect(counts).toEqual({ login: 1, orders: 1 });
    } finally {
      await rm(file, { force: true });
      if (previous === undefined) delete process.env.PARTNER_PASSWORD;
      else process.env.PARTNER_PASSWORD = previous;
    }
  });

  it('documents the defaults the code uses', async () => {
    const text = await readFile(DOC, 'utf8');
    for (const row of [
      '| `expirySkew` | `30_000` |',
      '| `defaultLifetime` | `300_000` |',
      '| `refreshWindow` | `[0.75, 0.85]` |',
      '| `maxBackoff` | `30_000` |',
      '| `fetchTimeout` | `30_000` |',
      '| `lockPollInterval` | `250` |',
    ]) {
      expect(text).toContain(row);
    }
  });
});
