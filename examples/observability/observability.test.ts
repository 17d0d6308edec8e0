import { describe, expect, it } from 'vitest';
import { runObservabilityDemo } from './observability.ts';

describe('examples/observability: one refresh-and-replay call, observed', () => {
  it('prints a tree of one call, three requests, two token acquisitions, and info log lines', async () => {
    const report = await runObservabilityDemo();
    expect(report.status).toBe(200);
    const tree = report.tree.map((line) => line.replace(/, [\d.]+ ms\)/, ')'));
    expect(tree).toEqual([
      'GET (internal)  status_code=200 attempts=3',
      '├─ GET (client)  send_reason=initial status_code=503 error.type=503',
      // The token span covers the whole wait, so it starts before the token endpoint exchange inside it.
      '│  ├─ attache token (internal)  token.origin=network',
      '│  └─ POST (internal)  status_code=200 token.grant_type=client_credentials attempts=1',
      '├─ GET (client)  send_reason=retry retry_reason=503 resend_count=1 status_code=401 error.type=401',
      '├─ attache token (internal)  token.origin=network',
      '├─ POST (internal)  status_code=200 token.grant_type=client_credentials attempts=1',
      '└─ GET (client)  send_reason=replay resend_count=2 status_code=200',
    ]);
    const lines = report.logLines.map(
      (line) => JSON.parse(line) as { level: string; msg: string; callId?: string },
    );
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'retry:scheduled'],
      ['info', 'challenge:handled'],
      ['info', 'request:end'],
    ]);
    expect(new Set(lines.map((l) => l.callId)).size).toBe(1);
  });
});
