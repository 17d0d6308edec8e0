import { type AttacheEvent, secret, TokenAcquisitionError } from '@attache/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PartnerApi, startPartnerApi } from './partner-api.ts';
import { createPartnerFetch, runRobotAccountDemo } from './robot-account.ts';

const PASSWORD = 'correct horse battery staple';
const LIFETIME_S = 60;

describe('robot account: POST /login → token, through createTokenSource + tokenAuth + createFetch', () => {
  // One clock for the partner and the client, moved by the test: no sleeps.
  let t = Date.UTC(2026, 0, 1);
  const now = (): number => t;
  let api: PartnerApi;
  let accounts = 0;
  let username: string;

  beforeEach(async () => {
    // A fresh account per test: clients of the same account share their token in the process.
    username = `robot-${++accounts}`;
    api = await startPartnerApi({
      accounts: { [username]: PASSWORD },
      tokenLifetimeSeconds: LIFETIME_S,
      now,
    });
  });
  afterEach(async () => {
    await api.close();
  });

  function client(password = PASSWORD) {
    const events: AttacheEvent[] = [];
    const { fetch, source } = createPartnerFetch({
      baseUrl: api.origin,
      username,
      password: secret(password),
      now,
      random: () => 0.5, // refresh point at 80 % of the lifetime, back-off waits at three quarters of their ceiling
      onEvent: (event) => events.push(event),
    });
    return { fetch, source, events };
  }

  it('logs in once for 50 concurrent calls', async () => {
    const { fetch, events } = client();
    const responses = await Promise.all(Array.from({ length: 50 }, () => fetch('orders')));
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(api.counters.logins).toBe(1);
    expect(api.counters.tokenOfCall).toEqual(Array(50).fill(1));
    expect(events.filter((event) => event.type === 'token:acquired')).toHaveLength(1);
  });

  it('refreshes ahead of expiry: calls in the refresh window use the current token while one login runs', async () => {
    const { fetch, source } = client();
    await fetch('orders');
    const token = source.peek()!;
    expect(token.refreshAt).toBe(token.issuedAt + 0.8 * LIFETIME_S * 1000);
    t = token.refreshAt;
    const during = await Promise.all(Array.from({ length: 10 }, () => fetch('orders')));
    expect(during.every((response) => response.status === 200)).toBe(true);
    // Served by the first login's token; exactly one background login.
    expect(api.counters.tokenOfCall).toEqual(Array(11).fill(1));
    await vi.waitFor(() => expect(source.peek()).not.toBe(token));
    expect(api.counters.logins).toBe(2);
    await fetch('orders');
    expect(api.counters.tokenOfCall.at(-1)).toBe(2);
    expect(api.counters.rejected).toBe(0);
  });

  it('after expiry, callers wait for a new token and are never sent with the expired one', async () => {
    const { fetch } = client();
    await fetch('orders');
    t += LIFETIME_S * 1000;
    const responses = await Promise.all(Array.from({ length: 10 }, () => fetch('orders')));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(api.counters.logins).toBe(2);
    expect(api.counters.rejected).toBe(0);
  });

  it('on 401 it logs in again once and replays: 20 concurrent 401s → one login', async () => {
    const { fetch, events } = client();
    await fetch('orders');
    api.revokeTokens();
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch('orders')));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(api.counters.logins).toBe(2);
    expect(api.counters.rejected).toBe(20);
    expect(api.counters.apiCalls).toBe(1 + 20 + 20);
    expect(
      events.filter((event) => event.type === 'challenge:handled' && event.outcome === 'replay'),
    ).toHaveLength(20);
  });

  it('wrong credentials: a non-retryable TokenAcquisitionError, and no second login during the back-off', async () => {
    const { fetch } = client('wrong password');
    const error = await fetch('orders').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_credentials', isRetryable: false });
    expect(String(error)).not.toContain('wrong password');
    await expect(fetch('orders')).rejects.toBe(error);
    expect(api.counters.logins).toBe(1);
    expect(api.counters.apiCalls).toBe(0);
  });

  it('a busy login endpoint (429, 503) is retryable and backs off 0.5–1 s, then 1–2 s', async () => {
    const { fetch, events } = client();
    api.failLogins(429);
    await expect(fetch('orders')).rejects.toMatchObject({ status: 429, isRetryable: true });
    t += 749;
    await expect(fetch('orders')).rejects.toMatchObject({ status: 429 });
    expect(api.counters.logins).toBe(1);
    t += 1;
    api.failLogins(503);
    await expect(fetch('orders')).rejects.toMatchObject({ status: 503, isRetryable: true });
    expect(api.counters.logins).toBe(2);
    api.failLogins(undefined);
    t += 1499;
    await expect(fetch('orders')).rejects.toMatchObject({ status: 503 });
    expect(api.counters.logins).toBe(2);
    t += 1;
    expect((await fetch('orders')).status).toBe(200);
    expect(api.counters.logins).toBe(3);
    const failures = events.flatMap((event) => (event.type === 'token:refresh-failed' ? [event] : []));
    expect(failures.map((event) => [event.error, event.retryInMs])).toEqual([
      ['HTTP 429', 750],
      ['HTTP 503', 1500],
    ]);
  });

  it('the demo runs end to end', async () => {
    const lines: string[] = [];
    await runRobotAccountDemo((line) => lines.push(line));
    expect(lines.join('\n')).toContain("status 200 with login #1's token; logins");
    expect(lines.join('\n')).toContain("next call: status 200 with login #2's token");
    expect(lines.join('\n')).toContain("status 200 with login #3's token; logins 3; 401s 1");
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});
