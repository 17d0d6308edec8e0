/**
 * `pnpm bench` at a tiny scale, so the benchmark code cannot rot between the runs that produce
 * docs/performance.md. Timings are not asserted (they are noise here); what is asserted is that every section
 * runs in its own process, reports every scenario with sane numbers, and that the 401 storm — 1,000 calls in
 * parallel on an invalidated token — fetches exactly one token and replays every call once.
 *
 * The sections run as two `bench/run.ts` processes side by side, each given half of them with BENCH_ONLY: at
 * this scale a section's time is mostly starting processes and servers, which one process does one after the
 * other while the machine's second core waits. Together they cover every section bench/run.ts lists.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Results {
  readonly method: { readonly total: number; readonly rounds: number };
  readonly memory: { readonly heapAfter1kMiB: number; readonly heapAfter100kMiB: number };
  readonly pipeline: readonly {
    readonly name: string;
    readonly concurrency: number;
    readonly throughput: number;
    readonly p50: number;
    readonly p99: number;
    readonly baseline?: string;
    readonly ratio?: number;
  }[];
  readonly overhead: readonly { readonly name: string; readonly microseconds: number }[];
  readonly storm: {
    readonly calls: number;
    readonly tokenFetches: number;
    readonly unauthorized: number;
    readonly replays: number;
    readonly failed: number;
  };
  readonly signing: readonly {
    readonly name: string;
    readonly opsPerSecond: number;
    readonly ratio?: number;
  }[];
  readonly tokenGet: { readonly opsPerSecond: number };
}

/** The sections as bench/run.ts lists them. */
const SECTIONS = [
  ...(
    /const SECTIONS = \[([^\]]*)\]/.exec(readFileSync(join(ROOT, 'bench', 'run.ts'), 'utf8'))?.[1] ?? ''
  ).matchAll(/'([\w-]+)'/g),
].map((match) => match[1] ?? '');
// The section that starts a process per client, with two short ones: about half of the whole.
const FIRST_HALF = ['transport-isolated', 'overhead', 'storm'].filter((name) => SECTIONS.includes(name));
const SECOND_HALF = SECTIONS.filter((name) => !FIRST_HALF.includes(name));

const dir = await mkdtemp(join(tmpdir(), 'attache-bench-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function runBench(
  out: string,
  sections: readonly string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--conditions=@attache/source', join(ROOT, 'bench', 'run.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          BENCH_SCALE: '0.02',
          BENCH_ROUNDS: '1',
          BENCH_OUT: out,
          BENCH_ONLY: sections.join(','),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('pnpm bench (tiny scale)', () => {
  it('runs every section and reports every scenario; the 401 storm fetches one token', async () => {
    expect(SECTIONS).toContain('storm');
    expect(FIRST_HALF).toHaveLength(3);
    const halves = await Promise.all(
      [FIRST_HALF, SECOND_HALF].map(async (sections, index) => {
        const out = join(dir, `results-${index}.json`);
        const { code, output } = await runBench(out, sections);
        expect(code, output).toBe(0);
        const half = JSON.parse(await readFile(out, 'utf8')) as Results;
        expect(half.method).toMatchObject({ total: 100, rounds: 1 });
        return half;
      }),
    );
    const results: Results = Object.assign({}, ...halves);
    expect(results.storm).toEqual(
      expect.objectContaining({ calls: 1000, tokenFetches: 1, unauthorized: 1000, replays: 1000, failed: 0 }),
    );

    const scenarios = [
      'raw fetch',
      'raw fetch + 30 s deadline',
      'plain ky',
      'createFetch, no auth',
      'createFetch + apiKeyAuth',
      'createFetch + apiKeyAuth, timeout: false',
      'createClient + apiKeyAuth',
      'createFetch + token source (cached)',
      'createFetch + clientCredentialsAuth (cached)',
      'createFetch + hmacAuth (rfc9421)',
    ];
    for (const concurrency of [1, 50]) {
      const rows = results.pipeline.filter((row) => row.concurrency === concurrency);
      expect(rows.map((row) => row.name)).toEqual(scenarios);
      for (const row of rows) {
        expect(row.throughput).toBeGreaterThan(0);
        expect(row.p99).toBeGreaterThanOrEqual(row.p50);
        if (row.baseline !== undefined) expect(row.ratio).toBeGreaterThan(0);
      }
      // Each face is compared with its own baseline.
      expect(rows.find((row) => row.name === 'createClient + apiKeyAuth')?.baseline).toBe('plain ky');
      expect(rows.find((row) => row.name === 'createFetch + apiKeyAuth')?.baseline).toBe('raw fetch');
    }

    expect(results.overhead.map((row) => row.name)).toHaveLength(11);
    // The client face beside plain ky, on the same canned fetch.
    expect(results.overhead.map((row) => row.name).slice(6, 8)).toEqual([
      'plain ky (canned fetch)',
      'createClient + apiKeyAuth',
    ]);
    // The cost of the event stream and of @attache/otel, measured beside the same client without them.
    expect(results.overhead.map((row) => row.name).slice(8)).toEqual([
      'createFetch + apiKeyAuth + onEvent (no-op)',
      'createFetch + apiKeyAuth + @attache/otel (no-op API)',
      'createFetch + apiKeyAuth + @attache/otel (recording SDK)',
    ]);
    for (const row of results.overhead) expect(row.microseconds).toBeGreaterThan(0);
    // Per scheme (RFC 9421, the API-key HMAC preset, SigV4, cavage): the signer, its by-hand node:crypto
    // baseline, and the peer library where there is one.
    expect(results.signing).toHaveLength(11);
    for (const row of results.signing) expect(row.opsPerSecond).toBeGreaterThan(0);
    expect(results.signing.filter((row) => row.ratio !== undefined)).toHaveLength(4);
    expect(results.tokenGet.opsPerSecond).toBeGreaterThan(0);
    expect(results.memory.heapAfter100kMiB).toBeGreaterThan(0);
  }, 120_000);
});
