import { createTokenSource, secret } from '@attache/core';

/** Operations per second of `tokenSource.get()` on a warm token (the cost every authenticated call pays). */
export async function runTokenGetBench(total = 1_000_000, rounds = 5): Promise<{ opsPerSecond: number }> {
  const source = createTokenSource(async () => ({ accessToken: secret('warm-token'), expiresIn: 3600 }));
  await source.get();
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < total; i++) await source.get();
    results.push(total / ((performance.now() - started) / 1000));
  }
  results.sort((a, b) => a - b);
  return { opsPerSecond: results[Math.floor(results.length / 2)] ?? 0 };
}
