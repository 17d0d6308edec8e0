import { apiKeyAuth } from '@attache/api-key';
import { createFetch, secret } from '@attache/core';
import { startServerProcess } from './harness.ts';

export interface MemoryResult {
  readonly heapAfter1kMiB: number;
  readonly heapAfter100kMiB: number;
  readonly growthMiB: number;
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Heap after 1,000 calls against after 100,000 calls on one client (run with --expose-gc). */
export async function runMemoryBench(total = 100_000, concurrency = 50): Promise<MemoryResult> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error('run with node --expose-gc');
  const server = await startServerProcess();
  try {
    const attache = createFetch({ baseUrl: server.origin, auth: apiKeyAuth({ key: secret('bench-key') }) });
    let done = 0;
    const runUntil = async (target: number): Promise<void> => {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (done < target) {
            done++;
            await (await attache('orders/1')).arrayBuffer();
          }
        }),
      );
    };
    await runUntil(1_000);
    const heapAfter1kMiB = heapMiB();
    await runUntil(total);
    const heapAfter100kMiB = heapMiB();
    return { heapAfter1kMiB, heapAfter100kMiB, growthMiB: heapAfter100kMiB - heapAfter1kMiB };
  } finally {
    await server.stop();
  }
}
