import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.ts';

describe('pnpm demo', () => {
  it('runs every scheme against the sandbox with the expected token fetches, refreshes, replays and retries', async () => {
    const reports = await runDemo();
    const figures = Object.fromEntries(
      reports.map(({ name, calls, ok, failed, tokenFetches, refreshes, replays, retries, redirects }) => [
        name,
        { calls, ok, failed, tokenFetches, refreshes, replays, retries, redirects },
      ]),
    );
    const none = { failed: 0, redirects: 0 };
    expect(figures).toEqual({
      basic: { ...none, calls: 1, ok: 1, tokenFetches: 0, refreshes: 0, replays: 0, retries: 2 },
      'api key (rotating)': {
        ...none,
        calls: 11,
        ok: 11,
        tokenFetches: 0,
        refreshes: 0,
        replays: 1,
        retries: 0,
      },
      'robot account (token source)': {
        ...none,
        calls: 60,
        ok: 60,
        tokenFetches: 2,
        refreshes: 1,
        replays: 10,
        retries: 0,
      },
      'oauth client credentials': {
        ...none,
        calls: 23,
        ok: 23,
        tokenFetches: 3,
        refreshes: 2,
        replays: 1,
        retries: 0,
      },
      'hmac signature (rfc9421)': {
        ...none,
        calls: 5,
        ok: 5,
        tokenFetches: 0,
        refreshes: 0,
        replays: 0,
        retries: 1,
      },
      'mtls client certificate': {
        ...none,
        calls: 10,
        ok: 10,
        tokenFetches: 0,
        refreshes: 0,
        replays: 0,
        retries: 0,
      },
      'connected accounts (refresh)': {
        ...none,
        calls: 18,
        ok: 18,
        tokenFetches: 6,
        refreshes: 3,
        replays: 9,
        retries: 0,
      },
      'hybrid (key + oauth + hmac)': {
        ...none,
        calls: 5,
        ok: 5,
        tokenFetches: 1,
        refreshes: 0,
        replays: 0,
        retries: 1,
      },
    });
    const notes = reports.flatMap((r) => r.notes.map((note) => `${r.name}: ${note}`));
    expect(notes).toEqual(
      expect.arrayContaining([
        'oauth client credentials: 20 concurrent calls on a cold start: 1 token request',
        'mtls client certificate: 10 calls over mutual TLS; the partner saw CN=demo-client',
        "mtls client certificate: a transport without the partner's CA: TlsError unknown-ca",
        expect.stringMatching(/^hmac signature \(rfc9421\): .* 6 attempts, as many nonces/),
      ]),
    );
    for (const report of reports) expect(report.latencies).toHaveLength(report.calls);
    // The revoked-token call, as @attache/otel traced it: a 401, a new token from the endpoint, the replay.
    const oauth = reports.find((r) => r.name === 'oauth client credentials');
    expect(oauth?.trace?.map((line) => line.replace(/, [\d.]+ ms\)/, ')'))).toEqual([
      'GET (internal)  status_code=200 attempts=2',
      '├─ GET (client)  send_reason=initial status_code=401 error.type=401',
      '├─ attache token (internal)  token.origin=network',
      '├─ POST (internal)  status_code=200 token.grant_type=client_credentials attempts=1',
      '└─ GET (client)  send_reason=replay resend_count=1 status_code=200',
    ]);
  });
});
