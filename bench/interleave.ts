import { measure, median, Sample, type Stats, startServerProcess } from './harness.ts';

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
  /** The lowest and highest per-round ratio: how far one round can be from the reported median. */
  readonly ratioRange?: readonly [number, number];
}

/**
 * Runs every scenario at each concurrency, interleaved, and reports the median of the rounds; ratios are the
 * median of the per-round ratios. Within a round the scenarios take turns in blocks of a few hundred calls
 * (the order rotating from block to block), so a scenario and its baseline are measured over the same
 * stretch of time: the machine's drift, seconds long on a shared machine, hits both alike instead of whichever
 * ran while it lasted.
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
      const blocks = blocksPerRound(options.total, concurrency);
      for (let round = 0; round < options.rounds; round++) {
        const samples = new Map(entries.map(([name]) => [name, new Sample()]));
        for (let block = 0; block < blocks; block++) {
          for (const [name, call] of turns(entries, block)) {
            await samples.get(name)!.run(call, Math.round(options.total / blocks), concurrency);
          }
        }
        for (const [name, sample] of samples)
          perRound.set(name, [...(perRound.get(name) ?? []), sample.stats()]);
      }
      // Each round's ratio pairs two scenarios measured over the same stretch of time; the median of those
      // ratios is steadier than a ratio of medians when the machine's speed drifts.
      const roundRatios = (name: string, baseline: string): number[] | undefined => {
        const own = perRound.get(name);
        const base = perRound.get(baseline);
        if (own === undefined || base === undefined) return undefined;
        return own.map((stats, i) => stats.throughput / (base[i]?.throughput ?? Number.NaN));
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
        const ratios =
          scenario.baseline === undefined ? undefined : roundRatios(scenario.name, scenario.baseline);
        results.push({
          name: scenario.name,
          concurrency,
          rounds: options.rounds,
          ...stats,
          ...(scenario.baseline === undefined ? {} : { baseline: scenario.baseline }),
          ...(ratios === undefined
            ? {}
            : { ratio: median(ratios), ratioRange: [Math.min(...ratios), Math.max(...ratios)] as const }),
        });
      }
    }
    return results;
  } finally {
    await server.stop();
  }
}

/**
 * How many blocks a round is cut into: blocks of at least 250 calls, and of at least 20 calls per worker so
 * that starting and draining the workers stays a small part of each block.
 */
function blocksPerRound(total: number, concurrency: number): number {
  return Math.max(1, Math.floor(total / Math.max(250, 20 * concurrency)));
}

/** The scenarios' order in one block: rotated by one each block, reversed every other block. */
function turns<T>(entries: readonly T[], block: number): T[] {
  const shift = block % entries.length;
  const rotated = [...entries.slice(shift), ...entries.slice(0, shift)];
  return block % 2 === 0 ? rotated : rotated.reverse();
}
