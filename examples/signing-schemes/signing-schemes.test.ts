import { describe, expect, it } from 'vitest';
import { runSigningSchemesExample } from './signing-schemes.ts';

describe('examples/signing-schemes', () => {
  it('rotates the api-key-hmac key with one replay, verifies cavage, and recovers SigV4 from a slow clock', async () => {
    const lines: string[] = [];
    const result = await runSigningSchemesExample((line) => lines.push(line));
    expect(result.apiKeyHmac).toEqual({ answers: [200, 401, 200], keyReads: 2, signedBy: 'ak-2026-12' });
    expect(result.cavage).toEqual({
      status: 200,
      covered: ['(request-target)', '(created)', 'host', 'digest'],
    });
    expect(result.sigv4.status).toBe(200);
    expect(result.sigv4.dates).toHaveLength(2);
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/secret/);
  });
});
