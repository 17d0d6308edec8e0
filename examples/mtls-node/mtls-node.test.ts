import { describe, expect, it } from 'vitest';
import { runMtlsExample } from './mtls-node.ts';

describe('examples/mtls-node', () => {
  it('presents the client certificate and explains an untrusted server', async () => {
    const lines: string[] = [];
    const result = await runMtlsExample((line) => lines.push(line));
    expect(result).toMatchObject({
      status: 200,
      seenCn: 'acme-payments',
      untrustedReason: 'unknown-ca',
      mismatchReason: 'key-mismatch',
    });
    expect(result.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(
      'EC certificate + RSA key: TlsError key-mismatch: key is an RSA 2048-bit key but cert holds an EC P-256 key: they do not belong together',
    );
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
  });
});
