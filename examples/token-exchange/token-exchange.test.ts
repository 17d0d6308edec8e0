import { describe, expect, it } from 'vitest';
import { runTokenExchangeExample } from './token-exchange.ts';

describe('examples/token-exchange', () => {
  it('exchanges once for concurrent calls, and presents the rotated workload token from its file', async () => {
    const lines: string[] = [];
    const result = await runTokenExchangeExample((line) => lines.push(line));
    expect(result).toEqual({
      presented: [
        'token-exchange: platform-token-of-orders-service',
        'jwt-bearer: eyJ.ci-job-token-1.sig',
        'jwt-bearer: eyJ.ci-job-token-2.sig',
      ],
      statuses: [200, 200, 200, 200, 200, 200, 200],
    });
    expect(lines).toHaveLength(2);
  });
});
