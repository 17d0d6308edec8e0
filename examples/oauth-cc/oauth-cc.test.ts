import { describe, expect, it } from 'vitest';
import { runOAuthExample } from './oauth-cc.ts';

describe('examples/oauth-cc', () => {
  it('gets one token for concurrent calls, refreshes ahead of expiry and replays once after a revocation', async () => {
    const lines: string[] = [];
    const result = await runOAuthExample((line) => lines.push(line));
    expect(result).toEqual({
      statuses: Array.from({ length: 23 }, () => 200),
      tokenRequests: 3,
      partnerRejected: 1,
      replays: 1,
    });
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('billing-secret');
  });
});
