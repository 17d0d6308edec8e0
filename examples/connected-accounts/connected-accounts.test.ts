import { describe, expect, it } from 'vitest';
import { runConnectedAccountsExample } from './connected-accounts.ts';

describe('examples/connected-accounts', () => {
  it('refreshes each tenant once per expiry, rotates refresh tokens, and asks to reconnect a revoked tenant', async () => {
    const lines: string[] = [];
    const result = await runConnectedAccountsExample((line) => lines.push(line));
    expect(result).toEqual({
      refreshes: { acme: 2, globex: 2, initech: 2 },
      served: ['acme', 'globex', 'initech', 'acme', 'globex', 'initech', 'acme', 'globex', 'initech'],
      rotations: 6,
      revoked: 'reconnect initech',
    });
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/rt-|at-\d/);
  });
});
