import { apiKeyAuth } from '@attache/api-key';
import { createClient, createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import ky from 'ky';
import { measure, median, type Stats, startServerProcess } from './harness.ts';

/** One way of calling the partner API. `baseline` names the scenario its ratio is measured against. */
export interface Scenario {
  readonly name: string;
  readonly baseline?: string;
  readonly setup: (origin: string) => Promise<() => Promise<unknown>> | (() => Promise<unknown>);
}

export interface ScenarioResult extends Stats {
  readonly name: string;
  readonly concurrency: number;
  readonly rounds: number;
  readonly baseline?: string;
  readonly ratio?: number;
}

const consume = async (response: Response): Promise<unknown> => response.json();

export const coreScenarios: Scenario[] = [
  { name: 'raw fetch', setup: (origin) => () => fetch(`${origin}/orders/1`).then(consume) },
  {
    // A control, not a target: what a deadline costs raw fetch itself (createFetch's default is 30 s).
    name: 'raw fetch + 30 s deadline',
    baseline: 'raw fetch',
    setup: (origin) => async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      try {
        return await consume(await fetch(`${origin}/orders/1`, { signal: controller.signal }));
      } finally {
        clearTimeout(timer);
      }
    },
  },
  { name: 'plain ky', setup: (origin) => () => ky.get(`${origin}/orders/1`, { retry: 0 }).json() },
  {
    name: 'createFetch, no auth',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({ baseUrl: origin });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + apiKeyAuth',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({ baseUrl: origin, auth: apiKeyAuth({ key: secret('bench-key') }) });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    // A control: the same client without a deadline, so fetch is handed no signal.
    name: 'createFetch + apiKeyAuth, timeout: false',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({
        baseUrl: origin,
        auth: apiKeyAuth({ key: secret('bench-key') }),
        timeout: false,
      });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createClient + apiKeyAuth',
    baseline: 'plain ky',
    setup: (origin) => {
      const client = createClient({ baseUrl: origin, auth: apiKeyAuth({ key: secret('bench-key') }) });
      return () => client.get('orders/1').json();
    },
  },
  {
    name: 'createFetch + token source (cached)',
    baseline: 'raw fetch',
    setup: async (origin) => {
      const source = createTokenSource(async ({ signal }) => {
        const response = await fetch(`${origin}/token`, { method: 'POST', signal });
        const body = (await response.json()) as { access_token: string; expires_in: number };
        return { accessToken: secret(body.access_token), tokenType: 'Bearer', expiresIn: body.expires_in };
      });
      await source.get();
      const attache = createFetch({ baseUrl: origin, auth: tokenAuth({ source }) });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + clientCredentialsAuth (cached)',
    baseline: 'raw fetch',
    setup: async (origin) => {
      const auth = clientCredentialsAuth({
        tokenEndpoint: `${origin}/token`,
        clientId: 'bench-client',
        clientSecret: secret('bench-secret'),
      });
      await auth.source.get();
      const attache = createFetch({ baseUrl: origin, auth });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + hmacAuth (rfc9421)',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({
        baseUrl: origin,
        auth: hmacAuth({ keyId: 'bench', key: secret('bench-secret-0123456789') }),
      });
      return () => attache('orders/1').then(consume);
    },
  },
];

/**
 * Runs every scenario at each concurrency, interleaved round by round (so drift on a noisy machine hits all
 * scenarios alike), and reports the median of the rounds; ratios are the median of the per-round ratios.
 */
export async function runPipelineBench(
  scenarios: readonly Scenario[],
  options: { total: number; rounds: number; concurrencies: readonly number[] },
): Promise<ScenarioResult[]> {
  const server = await startServerProcess();
  try {
    const calls = new Map<string, () => Promise<unknown>>();
    for (const scenario of scenarios) calls.set(scenario.name, await scenario.setup(server.origin));
    const results: ScenarioResult[] = [];
    for (const concurrency of options.concurrencies) {
      // Warm-up: connections, JIT, token caches.
      for (const [, call] of calls) await measure(call, Math.min(500, options.total), concurrency);
      const perRound = new Map<string, Stats[]>();
      const entries = [...calls];
      for (let round = 0; round < options.rounds; round++) {
        // Every other round runs in reverse order, so no scenario always follows the same neighbour.
        for (const [name, call] of round % 2 === 0 ? entries : [...entries].reverse()) {
          const stats = await measure(call, options.total, concurrency);
          perRound.set(name, [...(perRound.get(name) ?? []), stats]);
        }
      }
      // Each round's ratio pairs two scenarios measured moments apart; the median of those ratios is steadier
      // than a ratio of medians when the machine's speed drifts.
      const pairedRatio = (name: string, baseline: string): number | undefined => {
        const own = perRound.get(name);
        const base = perRound.get(baseline);
        if (own === undefined || base === undefined) return undefined;
        return median(own.map((stats, i) => stats.throughput / (base[i]?.throughput ?? Number.NaN)));
      };
      const medians = new Map<string, Stats>();
      for (const [name, stats] of perRound) {
        medians.set(name, {
          throughput: median(stats.map((s) => s.throughput)),
          p50: median(stats.map((s) => s.p50)),
          p99: median(stats.map((s) => s.p99)),
        });
      }
      for (const scenario of scenarios) {
        const stats = medians.get(scenario.name)!;
        const ratio =
          scenario.baseline === undefined ? undefined : pairedRatio(scenario.name, scenario.baseline);
        results.push({
          name: scenario.name,
          concurrency,
          rounds: options.rounds,
          ...stats,
          ...(scenario.baseline === undefined ? {} : { baseline: scenario.baseline }),
          ...(ratio === undefined ? {} : { ratio }),
        });
      }
    }
    return results;
  } finally {
    await server.stop();
  }
}
