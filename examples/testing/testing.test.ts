import { describe, expect, it } from 'vitest';
import { runTestingExample } from './testing.ts';

describe('examples/testing', () => {
  it('counts the token requests and API calls behind retries and a 401 replay', async () => {
    const lines: string[] = [];
    const result = await runTestingExample((line) => lines.push(line));
    expect(result).toEqual({
      order: { id: '42', status: 'shipped' },
      tokenRequests: 2,
      apiCalls: { total: 5, accepted: 2, rejected: 1, faulted: 2 },
    });
    expect(lines).toHaveLength(2);
  });
});
