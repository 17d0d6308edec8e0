/**
 * `pnpm bench`: measures Attaché against raw fetch, plain ky and node:crypto in the same run, prints tables
 * and writes bench/results.json. Each section runs in a fresh process of its own (forked from this one, with
 * the same flags): a section that makes a million calls leaves a heap that would slow the next one down.
 *
 * Environment: BENCH_TOTAL (requests per round, default 5000), BENCH_ROUNDS (default 5),
 * BENCH_ONLY (comma-separated: memory, pipeline, transport, transport-isolated, mtls, overhead, storm,
 * signing, token), BENCH_SCALE (multiplies
 * every count but the storm's 1,000 calls; default 1: the smoke test runs a tiny scale), BENCH_OUT (where
 * the results go; default bench/results.json).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { startServerProcess } from './harness.ts';
import { runPipelineBench, type ScenarioResult } from './interleave.ts';
import { type BenchServer, startNginx } from './nginx.ts';

const SECTIONS = [
  'memory',
  'pipeline',
  'transport',
  'transport-isolated',
  'mtls',
  'overhead',
  'storm',
  'signing',
  'token',
] as const;
const TRANSPORT_CONCURRENCIES = [1, 32] as const;
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
      const memory = await (await import('./memory.ts')).runMemoryBench(scaled(100_000));
      console.log(
        `\nMemory: heap ${memory.heapAfter1kMiB.toFixed(1)} MiB after 1,000 calls, ${memory.heapAfter100kMiB.toFixed(1)} MiB after 100,000 (growth ${memory.growthMiB.toFixed(1)} MiB)`,
      );
      return ['memory', memory];
    }
    case 'pipeline': {
      const pipeline = await runPipelineBench((await import('./pipeline.ts')).coreScenarios, {
        total,
        rounds,
        concurrencies: [1, 50],
      });
      console.log(`\nPipeline: ${total} requests per round, ${rounds} rounds interleaved, median reported`);
      console.table(
        pipeline.map((r) => ({
          scenario: r.name,
          c: r.concurrency,
          'req/s': Math.round(r.throughput),
          'p50 ms': r.p50.toFixed(2),
          'p99 ms': r.p99.toFixed(2),
          ratio: r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.baseline}`,
          'rounds from–to': r.ratioRange === undefined ? '' : r.ratioRange.map((x) => x.toFixed(2)).join('–'),
        })),
      );
      return ['pipeline', pipeline];
    }
    case 'transport': {
      const partner = await transportPartner();
      const transport = await runPipelineBench((await import('./transport.ts')).transportScenarios, {
        total,
        rounds,
        concurrencies: TRANSPORT_CONCURRENCIES,
        server: async () => partner,
      });
      console.log(
        `\nTransports (partner API: ${partner.kind}): ${total} requests per round, ${rounds} rounds interleaved, median reported`,
      );
      printTransportTable(transport);
      return ['transport', { server: partner.kind, results: transport }];
    }
    case 'transport-isolated': {
      // Each client alone in a process of its own: no JIT or heap shared with the others.
      const isolated: ScenarioResult[] = [];
      const partner = await transportPartner();
      try {
        for (const scenario of (await import('./transport.ts')).transportScenarios) {
          isolated.push(...(await runTransportAlone(scenario.name, partner.origin)));
        }
      } finally {
        await partner.stop();
      }
      for (const result of isolated) {
        const base = isolated.find((r) => r.name === 'raw fetch' && r.concurrency === result.concurrency);
        if (result.name !== 'raw fetch' && base !== undefined)
          Object.assign(result, { baseline: 'raw fetch', ratio: result.throughput / base.throughput });
      }
      console.log(
        `\nTransports, each client in its own process (partner API: ${partner.kind}): ${total} requests per round, ${rounds} rounds`,
      );
      printTransportTable(isolated);
      return ['transportIsolated', { server: partner.kind, results: isolated }];
    }
    case 'mtls': {
      const prepared = await (await import('./transport-mtls.ts')).prepareMtlsBench();
      try {
        const mtls = await runPipelineBench(prepared.scenarios, {
          total,
          rounds,
          concurrencies: TRANSPORT_CONCURRENCIES,
          tls: prepared.tls,
        });
        console.log(
          `\nMutual TLS: ${total} requests per round, ${rounds} rounds interleaved, median reported`,
        );
        console.table(
          mtls.map((r) => ({
            client: r.name,
            c: r.concurrency,
            'req/s': Math.round(r.throughput),
            'p50 ms': r.p50.toFixed(2),
            "vs undici's fetch": r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
          })),
        );
        return ['mtls', mtls];
      } finally {
        await prepared.cleanup();
      }
    }
    case 'overhead': {
      const overhead = await (await import('./overhead.ts')).runOverheadBench(scaled(50_000), rounds);
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
      const storm = await (await import('./storm.ts')).runStorm(1_000);
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
      const signing = await (await import('./signing.ts')).runSigningBench(scaled(20_000), rounds);
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
      const token = await (await import('./token-get.ts')).runTokenGetBench(scaled(1_000_000), rounds);
      console.log(
        `\ntokenSource.get() on a warm token: ${Math.round(token.opsPerSecond).toLocaleString('en')} ops/s`,
      );
      return ['tokenGet', token];
    }
  }
}

const AZURE = 'Azure core-rest-pipeline + API key policy';

/** nginx when installed (see bench/nginx.ts), else the Node server. */
async function transportPartner(): Promise<BenchServer> {
  const nginx = await startNginx();
  if (nginx !== undefined) return nginx;
  console.log(
    '\nnginx is not installed: the transport sections call the Node server, which caps the fastest clients',
  );
  return { ...(await startServerProcess()), kind: 'node' };
}

/** One transport scenario in a process of its own, calling `origin`. */
async function runTransportAlone(name: string, origin: string): Promise<ScenarioResult[]> {
  const worker = fork(new URL(import.meta.url), [], {
    env: { ...process.env, BENCH_SECTION: 'transport-one', BENCH_SCENARIO: name, BENCH_ORIGIN: origin },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let message: ScenarioResult[] | undefined;
  worker.on('message', (m) => {
    message = (m as { value: ScenarioResult[] }).value;
  });
  const [code] = (await once(worker, 'exit')) as [number | null];
  if (code !== 0 || message === undefined) throw new Error(`bench scenario ${name} failed`);
  return message;
}

function printTransportTable(results: readonly ScenarioResult[]): void {
  const throughputOf = (name: string, c: number): number =>
    results.find((r) => r.name === name && r.concurrency === c)?.throughput ?? Number.NaN;
  const versus = (r: ScenarioResult, name: string): string =>
    `${(r.throughput / throughputOf(name, r.concurrency)).toFixed(2)}×`;
  console.table(
    results.map((r) => ({
      client: r.name,
      c: r.concurrency,
      'req/s': Math.round(r.throughput),
      'p50 ms': r.p50.toFixed(2),
      'vs raw fetch': r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
      'vs undici.request': versus(r, 'bare undici.request'),
      'vs Azure pipeline': versus(r, AZURE),
    })),
  );
}

const child = process.env.BENCH_SECTION as Section | 'transport-one' | undefined;
if (child === 'transport-one') {
  const only = (await import('./transport.ts')).transportScenarios.filter(
    (s) => s.name === process.env.BENCH_SCENARIO,
  );
  const origin = process.env.BENCH_ORIGIN;
  const value = await runPipelineBench(only, {
    total,
    rounds,
    concurrencies: TRANSPORT_CONCURRENCIES,
    ...(origin === undefined ? {} : { server: async () => ({ origin, stop: async () => {} }) }),
  });
  process.send?.({ key: 'transport-one', value });
} else if (child !== undefined) {
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
      statistic:
        'median of rounds; ratios: median of per-round paired ratios, the scenarios taking turns in blocks within a round',
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
