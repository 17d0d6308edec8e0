/**
 * `pnpm bench`: measures the pipeline against raw fetch and plain ky in the same run, prints a table and
 * writes bench/results.json. Options: BENCH_TOTAL (requests per round, default 5000), BENCH_ROUNDS (default 5).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { coreScenarios, runPipelineBench } from './pipeline.ts';

const total = Number(process.env.BENCH_TOTAL ?? 5_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

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

const results = {
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown' },
  method: {
    total,
    rounds,
    interleaved: true,
    statistic: 'median of rounds',
    server: 'node:http in a child process',
  },
  pipeline,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
