import { describe, expect, it } from 'vitest';
import { runHmacExample } from './hmac.ts';

describe('examples/hmac', () => {
  it('signs the retry again and the verifier refuses a replayed copy', async () => {
    const lines: string[] = [];
    const result = await runHmacExample((line) => lines.push(line));
    expect(result).toEqual({
      status: 200,
      partnerCalls: 3,
      rejections: ['replayed-nonce'],
      distinctNonces: 2,
      replayStatus: 401,
    });
    expect(lines[1]).toMatch(/^signature input of the retry: sig1=\(.*"content-digest".*keyid="client-42"/);
    expect(lines.join('\n')).not.toContain('hmac-secret');
  });
});
