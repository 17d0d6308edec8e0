import { type AttacheEvent, createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { startServerProcess } from './harness.ts';

export interface StormResult {
  readonly calls: number;
  readonly tokenFetches: number;
  readonly unauthorized: number;
  readonly replays: number;
  readonly failed: number;
  readonly wallMs: number;
  /** One token round trip plus one call, measured alone in the same run: the floor for the storm. */
  readonly singleRoundTripMs: number;
}

/**
 * 401 storm: `calls` concurrent calls go out with a token the server has just invalidated. Every one gets
 * 401; the token source must fetch exactly one new token and every call replays once.
 */
export async function runStorm(calls = 1_000): Promise<StormResult> {
  const server = await startServerProcess();
  try {
    const source = createTokenSource(async ({ signal }) => {
      const response = await fetch(`${server.origin}/token`, { method: 'POST', signal });
      const body = (await response.json()) as { access_token: string; expires_in: number };
      return { accessToken: secret(body.access_token), tokenType: 'Bearer', expiresIn: body.expires_in };
    });
    let replays = 0;
    const attache = createFetch({
      baseUrl: server.origin,
      auth: tokenAuth({ source }),
      timeout: 60_000,
      onEvent: (event: AttacheEvent) => {
        if (event.type === 'challenge:handled' && event.outcome === 'replay') replays++;
      },
    });
    // Warm: a token and open connections.
    await Promise.all(Array.from({ length: 50 }, () => attache('storm/warm').then((r) => r.text())));

    // The floor: one token fetch plus one call, alone.
    let started = performance.now();
    await (await fetch(`${server.origin}/token`, { method: 'POST' })).text();
    await (await attache('storm/one')).text();
    const singleRoundTripMs = performance.now() - started;

    await fetch(`${server.origin}/control/rotate`, { method: 'POST' });
    await fetch(`${server.origin}/control/reset`, { method: 'POST' });
    replays = 0;
    started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: calls }, () =>
        attache('storm/go').then(
          async (r) => {
            await r.text();
            return r.status;
          },
          () => 0,
        ),
      ),
    );
    const wallMs = performance.now() - started;
    const stats = (await (await fetch(`${server.origin}/control/stats`)).json()) as {
      tokenRequests: number;
      unauthorized: number;
    };
    return {
      calls,
      tokenFetches: stats.tokenRequests,
      unauthorized: stats.unauthorized,
      replays,
      failed: statuses.filter((s) => s !== 200).length,
      wallMs,
      singleRoundTripMs,
    };
  } finally {
    await server.stop();
  }
}
