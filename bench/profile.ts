/**
 * `pnpm bench:profile`: runs one scenario sequentially under the V8 CPU profiler and prints the functions
 * with the most self time — the place to look when a ratio misses its target.
 * Usage: node --conditions=@attache/source --cpu-prof --cpu-prof-dir=DIR bench/profile.ts [scenario]
 */

import { measure, startServerProcess } from './harness.ts';
import { coreScenarios } from './pipeline.ts';

const name = process.argv[2] ?? 'createFetch + bearerAuth';
const scenario = coreScenarios.find((s) => s.name === name);
if (!scenario) throw new Error(`unknown scenario ${name}`);
const server = await startServerProcess();
const call = await scenario.setup(server.origin);
await measure(call, 2_000, 1);
const stats = await measure(call, 20_000, 1);
console.log(name, Math.round(stats.throughput), 'req/s');
await server.stop();
