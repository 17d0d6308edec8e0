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

/**
 * Runs every scenario at each concurrency, interleaved round by round (so drift on a noisy machine hits all
 * scenarios alike), and reports the median of the rounds; ratios are the median of the per-round ratios.
 */
export async function runPipelineBench(
  scenarios: readonly Scenario[],
  options: {
    total: number;
    rounds: number;
    concurrencies: readonly number[];
    /** Serve https with these PEMs, demanding a client certificate signed by `ca`. */
    tls?: { cert: string; key: string; ca: string };
    /** The partner API to call instead of the Node server (bench/server.ts). */
    server?: () => Promise<{ origin: string; stop: () => Promise<void> }>;
  },
): Promise<ScenarioResult[]> {
  const server = await (options.server?.() ?? startServerProcess(options.tls));
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
