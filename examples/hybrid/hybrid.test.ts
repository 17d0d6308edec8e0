import { describe, expect, it } from 'vitest';
import { runHybridExample } from './hybrid.ts';

describe('examples/hybrid', () => {
  it('sends an API key, an OAuth token and a signature covering both on one request', async () => {
    const lines: string[] = [];
    const result = await runHybridExample((line) => lines.push(line));
    expect(result.payment).toEqual({ id: 'pay-1', amount: 250, status: 'accepted' });
    expect(result.checks).toEqual(['api key', 'bearer JWT', 'signature']);
    expect(result.covered).toEqual(expect.arrayContaining(['authorization', 'x-api-key', 'content-digest']));
    expect(result.tokenRequests).toBe(1);
    expect(lines.join('\n')).not.toMatch(/pk_hybrid|payments-secret|hmac-secret/);
  });
});
