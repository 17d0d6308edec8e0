// Runs the README's quick start as written, against msw for the partner and a real redis-server.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useMswServer } from './support/msw.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// Inside the package (so `@attache/token-store-redis` resolves to this package), in a git- and lint-ignored directory.
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

const TOKEN = 'robot-token-5b2f9c1e';
const server = useMswServer();
let redis: LocalRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe('README', () => {
  it('quick start: logs in once, calls the partner, and stores the token encrypted in Redis', async () => {
    vi.stubEnv('REDIS_URL', redis.url);
    vi.stubEnv('TOKEN_STORE_KEY', Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'));
    vi.stubEnv('PARTNER_PASSWORD', 'robot-password');
    const logins: unknown[] = [];
    server.use(
      http.post('https://partner.example/login', async ({ request }) => {
        logins.push(await request.json());
        return HttpResponse.json({ token: TOKEN, expires_in: 3600 });
      }),
      http.get('https://partner.example/orders', ({ request }) =>
        request.headers.get('authorization') === `Bearer ${TOKEN}`
          ? HttpResponse.json([{ id: 1 }])
          : new HttpResponse(null, { status: 401 }),
      ),
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const { orders } = await load<{ orders: unknown }>('quick-start', 'export { orders };');

    expect(orders).toEqual([{ id: 1 }]);
    expect(logins).toEqual([{ username: 'robot-7', password: 'robot-password' }]);
    const keys = await redis.admin.keys('attache:token:*');
    expect(keys).toHaveLength(1);
    const raw = (await redis.admin.get(keys[0]!)) ?? '';
    expect(raw).toMatch(/^aes-gcm\.1\./);
    expect(raw).not.toContain(TOKEN);
    expect(warn).not.toHaveBeenCalled();
    vi.unstubAllEnvs();
  });
});
