/**
 * `pnpm bench`: measures Attaché against raw fetch, plain ky and node:crypto in the same run, prints tables
 * and writes bench/results.json.
 *
 * Environment: BENCH_TOTAL (requests per round, default 5000), BENCH_ROUNDS (default 5),
 * BENCH_ONLY (comma-separated: pipeline, storm, signing, token, memory).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { runMemoryBench } from './memory.ts';
import { coreScenarios, runPipelineBench } from './pipeline.ts';
import { runSigningBench } from './signing.ts';
import { runStorm } from './storm.ts';
import { runTokenGetBench } from './token-get.ts';

const total = Number(process.env.BENCH_TOTAL ?? 5_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = new Set((process.env.BENCH_ONLY ?? 'pipeline,storm,signing,token,memory').split(','));
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
    statistic: 'median of rounds',
    server: 'node:http in a child process on 127.0.0.1',
  },
};

// Memory first, in a fresh heap: the other measurements leave garbage that would hide growth.
if (only.has('memory')) {
  const memory = await runMemoryBench();
  console.log(
    `\nMemory: heap ${memory.heapAfter1kMiB.toFixed(1)} MiB after 1,000 calls, ${memory.heapAfter100kMiB.toFixed(1)} MiB after 100,000 (growth ${memory.growthMiB.toFixed(1)} MiB)`,
  );
  results.memory = memory;
}

if (only.has('pipeline')) {
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
  results.pipeline = pipeline;
}

if (only.has('storm')) {
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
  results.storm = storm;
}

if (only.has('signing')) {
  const signing = await runSigningBench(20_000, rounds);
  console.log('\nSigning a 1 KiB body, 50 in flight');
  console.table(
    signing.map((r) => ({
      signer: r.name,
      'ops/s': Math.round(r.opsPerSecond),
      'ratio to baseline': r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
      'ratio to floor': r.ratioToFloor === undefined ? '' : `${r.ratioToFloor.toFixed(2)}×`,
    })),
  );
  results.signing = signing;
}

if (only.has('token')) {
  const token = await runTokenGetBench();
  console.log(
    `\ntokenSource.get() on a warm token: ${Math.round(token.opsPerSecond).toLocaleString('en')} ops/s`,
  );
  results.tokenGet = token;
}

writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
