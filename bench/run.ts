/**
 * `pnpm bench`: measures Attaché against raw fetch, plain ky and node:crypto in the same run, prints tables
 * and writes bench/results.json. Each section runs in a fresh process of its own (forked from this one, with
 * the same flags): a section that makes a million calls leaves a heap that would slow the next one down.
 *
 * Environment: BENCH_TOTAL (requests per round, default 5000), BENCH_ROUNDS (default 5),
 * BENCH_ONLY (comma-separated: memory, pipeline, overhead, storm, signing, token), BENCH_SCALE (multiplies
 * every count but the storm's 1,000 calls; default 1: the smoke test runs a tiny scale), BENCH_OUT (where
 * the results go; default bench/results.json).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { runMemoryBench } from './memory.ts';
import { runOverheadBench } from './overhead.ts';
import { coreScenarios, runPipelineBench } from './pipeline.ts';
import { runSigningBench } from './signing.ts';
import { runStorm } from './storm.ts';
import { runTokenGetBench } from './token-get.ts';

const SECTIONS = ['memory', 'pipeline', 'overhead', 'storm', 'signing', 'token'] as const;
type Section = (typeof SECTIONS)[number];
const scale = Number(process.env.BENCH_SCALE ?? 1);
const scaled = (count: number): number => Math.max(50, Math.round(count * scale));
const total = scaled(Number(process.env.BENCH_TOTAL ?? 5_000));
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const out = process.env.BENCH_OUT ?? new URL('./results.json', import.meta.url);

/** Runs one section, prints its table, and returns what goes into results.json under its key. */
async function runSection(section: Section): Promise<[string, unknown]> {
  switch (section) {
    case 'memory': {
      const memory = await runMemoryBench(scaled(100_000));
      console.log(
        `\nMemory: heap ${memory.heapAfter1kMiB.toFixed(1)} MiB after 1,000 calls, ${memory.heapAfter100kMiB.toFixed(1)} MiB after 100,000 (growth ${memory.growthMiB.toFixed(1)} MiB)`,
      );
      return ['memory', memory];
    }
    case 'pipeline': {
      const pipeline = await runPipelineBench(coreScenarios, { total, rounds, concurrencies: [1, 50] });
      console.log(`\nPipeline: ${total} requests per round, ${rounds} rounds interleaved, median reported`);
      console.table(
        pipeline.map((r) => ({
          scenario: r.name,
          c: r.concurrency,
          'req/s': Math.round(r.throughput),
          'p50 ms': r.p50.toFixed(2),
          'p99 ms': r.p99.toFixed(2),
          ratio: r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.baseline}`,
        })),
      );
      return ['pipeline', pipeline];
    }
    case 'overhead': {
      const overhead = await runOverheadBench(scaled(50_000), rounds);
      console.log('\nPer-call cost without a network (canned fetch, 50 in flight), µs per call');
      console.table(
        overhead.map((r) => ({
          client: r.name,
          'µs/call': r.microseconds.toFixed(1),
          'over canned fetch': r.overMicroseconds === undefined ? '' : `+${r.overMicroseconds.toFixed(1)}`,
        })),
      );
      return ['overhead', overhead];
    }
    case 'storm': {
      const storm = await runStorm(1_000);
      console.log('\n401 storm: 1,000 concurrent calls on a token the server just invalidated');
      console.table([
        {
          calls: storm.calls,
          'token fetches': storm.tokenFetches,
          '401s': storm.unauthorized,
          replays: storm.replays,
          failed: storm.failed,
          'wall ms': Math.round(storm.wallMs),
          'one token + one call ms': storm.singleRoundTripMs.toFixed(1),
        },
      ]);
      return ['storm', storm];
    }
    case 'signing': {
      const signing = await runSigningBench(scaled(20_000), rounds);
      console.log(
        '\nSigning a 1 KiB POST body, 50 in flight: each scheme against node:crypto by hand and its peer library',
      );
      console.table(
        signing.map((r) => ({
          scheme: r.scheme,
          signer: r.name,
          'ops/s': Math.round(r.opsPerSecond),
          'to by hand': r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
          'to peer': r.ratioToPeer === undefined ? '' : `${r.ratioToPeer.toFixed(2)}× ${r.peer}`,
        })),
      );
      return ['signing', signing];
    }
    case 'token': {
      const token = await runTokenGetBench(scaled(1_000_000), rounds);
      console.log(
        `\ntokenSource.get() on a warm token: ${Math.round(token.opsPerSecond).toLocaleString('en')} ops/s`,
      );
      return ['tokenGet', token];
    }
  }
}

const child = process.env.BENCH_SECTION as Section | undefined;
if (child !== undefined) {
  const [key, value] = await runSection(child);
  process.send?.({ key, value });
} else {
  const only = new Set((process.env.BENCH_ONLY ?? SECTIONS.join(',')).split(','));
  const unknown = [...only].filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown section(s) ${unknown.join(', ')}`);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: availableParallelism(),
      model: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    method: {
      total,
      rounds,
      interleaved: true,
      statistic: 'median of rounds; ratios: median of per-round paired ratios',
      server: 'node:http in a child process on 127.0.0.1',
      sections: 'each in a fresh process',
    },
  };
  for (const section of SECTIONS) {
    if (!only.has(section)) continue;
    const worker = fork(new URL(import.meta.url), [], {
      env: { ...process.env, BENCH_SECTION: section },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message: { key: string; value: unknown } | undefined;
    worker.on('message', (m) => {
      message = m as { key: string; value: unknown };
    });
    const [code] = (await once(worker, 'exit')) as [number | null];
    if (code !== 0 || message === undefined)
      throw new Error(`bench section ${section} failed (exit ${code})`);
    results[message.key] = message.value;
  }
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten: ${String(out)}`);
}
