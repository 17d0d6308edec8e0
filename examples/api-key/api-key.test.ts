import { describe, expect, it } from 'vitest';
import { runApiKeyExample } from './api-key.ts';

describe('examples/api-key', () => {
  it('shares one key read between concurrent calls and replays once after a rotation', async () => {
    const lines: string[] = [];
    const result = await runApiKeyExample((line) => lines.push(line));
    expect(result).toEqual({
      statuses: [200, 200, 200, 200, 200, 200],
      providerReads: 2,
      partnerCalls: 7,
      partnerRejected: 1,
      replays: 1,
    });
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/pk_demo_/);
  });
});
