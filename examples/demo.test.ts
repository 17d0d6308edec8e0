import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.ts';

describe('pnpm demo', () => {
  it('runs every scheme against the sandbox with the expected refreshes, replays and retries', async () => {
    const reports = await runDemo();
    const byName = new Map(reports.map((r) => [r.name, r]));
    expect(byName.get('basic')).toMatchObject({ calls: 1, ok: 1, failed: 0, retries: 2 });
    expect(byName.get('api key (rotating)')).toMatchObject({ calls: 11, ok: 11, failed: 0, replays: 1 });
    expect(byName.get('robot account (token source)')).toMatchObject({
      calls: 60,
      ok: 60,
      failed: 0,
      tokenFetches: 2,
      replays: 10,
    });
  });
});
