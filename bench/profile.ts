/**
 * `pnpm bench:profile`: runs one scenario under the V8 CPU profiler — the place to look when a ratio misses
 * its target. Usage: node --conditions=@attache/source --cpu-prof --cpu-prof-dir=DIR bench/profile.ts
 * [scenario] [concurrency]
 */

import { measure, startServerProcess } from './harness.ts';
import { startNginx } from './nginx.ts';
import { coreScenarios } from './pipeline.ts';
import { transportScenarios } from './transport.ts';

const name = process.argv[2] ?? 'createFetch + apiKeyAuth';
const concurrency = Number(process.argv[3] ?? 1);
const scenario = [...coreScenarios, ...transportScenarios].find((s) => s.name === name);
if (!scenario) throw new Error(`unknown scenario ${name}`);
// The transport scenarios call nginx, as in `pnpm bench`, when it is installed.
const server =
  (transportScenarios.includes(scenario) ? await startNginx() : undefined) ?? (await startServerProcess());
const call = await scenario.setup(server.origin);
await measure(call, 2_000, concurrency);
const stats = await measure(call, 20_000, concurrency);
console.log(name, `c=${concurrency}`, Math.round(stats.throughput), 'req/s');
await server.stop();
