import { fork } from 'node:child_process';
import { once } from 'node:events';

export interface Stats {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
}

/** Starts `bench/server.ts` in a child process; resolves with its origin and a stop function. */
export async function startServerProcess(tls?: {
  cert: string;
  key: string;
  ca: string;
}): Promise<{ origin: string; stop: () => Promise<void> }> {
  const child = fork(new URL('./server.ts', import.meta.url), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    ...(tls === undefined ? {} : { env: { ...process.env, BENCH_TLS: JSON.stringify(tls) } }),
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  return {
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    stop: async () => {
      child.disconnect();
      await once(child, 'exit');
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/**
 * A collection of the young generation, when the process runs with --expose-gc: every measurement starts
 * without the short-lived garbage the previous one left. Not a full collection: that also drops the objects
 * optimised code was specialised for, and every client then runs deoptimised until it warms up again,
 * which costs the clients with the most JavaScript the most (docs/performance.md).
 */
export function collectGarbage(): void {
  (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc?.({ type: 'minor' });
}

/** Runs `total` calls of `call` with `concurrency` workers; returns throughput (req/s) and latency (ms). */
export async function measure(
  call: () => Promise<unknown>,
  total: number,
  concurrency: number,
): Promise<Stats> {
  const sample = new Sample();
  await sample.run(call, total, concurrency);
  return sample.stats();
}

/** Calls measured in one or more runs (blocks) of the same scenario, summed: time, count and latencies. */
export class Sample {
  #seconds = 0;
  #latencies: number[] = [];

  /** Runs `total` more calls of `call` with `concurrency` workers into this sample. */
  async run(call: () => Promise<unknown>, total: number, concurrency: number): Promise<void> {
    const latencies = new Float64Array(total);
    collectGarbage();
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      for (;;) {
        const index = next++;
        if (index >= total) return;
        const t0 = performance.now();
        await call();
        latencies[index] = performance.now() - t0;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    this.#seconds += (performance.now() - started) / 1000;
    for (const latency of latencies) this.#latencies.push(latency);
  }

  stats(): Stats {
    const sorted = this.#latencies.sort((a, b) => a - b);
    return {
      throughput: sorted.length / this.#seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
