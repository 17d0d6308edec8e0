// Entry for runtimes with a command line (Node, Deno, Bun): the config is the last argument; the results are
// printed as one line the Node test reads.
import { type ConformanceConfig, runConformance } from './conformance.ts';

declare const Deno: { args: string[] } | undefined;
const args: readonly string[] =
  typeof Deno === 'object'
    ? Deno.args
    : ((globalThis as { process?: { argv: string[] } }).process?.argv ?? []);
const config = JSON.parse(args[args.length - 1] ?? '{}') as ConformanceConfig;
console.log(`CONFORMANCE ${JSON.stringify(await runConformance(config))}`);
