/**
 * Load: 10,000 calls at concurrency 200 against a loopback partner that answers 5 % of requests with 503 and
 * whose tokens live 2 s. The run happens in a child process (`test/fixtures/load-run.ts`) so that "nothing is
 * left behind" has a plain meaning: after closing its server the process must exit on its own, within a
 * time limit, with no `process.exit`. Any socket, timer or listener left open would keep it alive.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The whole run must end within this; it takes ~5 s on the project's 2-core machines. */
const RUN_LIMIT_MS = 50_000;
/** After printing its figures (server closed), the process must be gone within this. */
const EXIT_LIMIT_MS = 5_000;

interface Figures {
  readonly calls: number;
  readonly concurrency: number;
  readonly wallMs: number;
  readonly callsPerSecond: number;
  readonly completed: number;
  readonly expectedCompleted: number;
  readonly final503: number;
  readonly final401: number;
  readonly retriesScheduled: number;
  readonly dataRequests: number;
  readonly served503: number;
  readonly served401: number;
  readonly replays: number;
  readonly tokenFetches: number;
  readonly tokenLifetimeMs: number;
  readonly expiries: number;
  readonly refreshPoints: number;
  readonly unhandledRejections: number;
  readonly warnings: readonly string[];
  readonly mismatches: readonly string[];
  readonly mismatchCount: number;
}

interface Run {
  readonly figures: Figures;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** From the figures line to the process's exit. */
  readonly exitAfterMs: number;
}

function runLoad(): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@attache/source', 'test/fixtures/load-run.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let printedAt: number | undefined;
    let limit: NodeJS.Timeout;
    const kill = (why: string) => () => {
      child.kill('SIGKILL');
      reject(new Error(`${why}\nstdout: ${stdout.slice(0, 2_000)}\nstderr: ${stderr.slice(0, 2_000)}`));
    };
    limit = setTimeout(kill(`the load run did not finish within ${RUN_LIMIT_MS} ms`), RUN_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (printedAt === undefined && stdout.includes('\n')) {
        printedAt = performance.now();
        clearTimeout(limit);
        limit = setTimeout(
          kill(
            `the load run printed its figures but did not exit within ${EXIT_LIMIT_MS} ms: something was left open`,
          ),
          EXIT_LIMIT_MS,
        );
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (printedAt === undefined) {
        reject(new Error(`the load run exited (${code ?? signal}) without figures\nstderr: ${stderr}`));
        return;
      }
      resolve({
        figures: JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Figures,
        code,
        signal,
        stderr,
        exitAfterMs: Math.round(performance.now() - printedAt),
      });
    });
  });
}

describe('load: 10,000 calls, concurrency 200, 5 % 503, tokens living 2 s', () => {
  it('every call ends as the policy predicts, token fetches stay within the refresh points, and the process exits on its own', async () => {
    const run = await runLoad();
    const f = run.figures;
    // The process ended by itself, cleanly, after closing its server.
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(f.unhandledRejections).toBe(0);
    expect(f.warnings).toEqual([]);

    expect(f.calls).toBe(10_000);
    expect(f.concurrency).toBe(200);
    // Every call's answers from the partner follow the policy and its outcome is the last answer, typed on
    // the client face (a final 503 is an HttpError, a final 401 an UnauthorizedError).
    expect(f.mismatches).toEqual([]);
    expect(f.mismatchCount).toBe(0);
    // Every call the policy should complete completes: all but those whose three draws were all 503 and
    // those whose token expired in transit twice (the replay is done once, never more).
    expect(f.completed).toBe(f.expectedCompleted);
    expect(f.completed + f.final503 + f.final401).toBe(f.calls);
    // Every 503 that was not the last answer was retried once; every first 401 replayed once.
    expect(f.retriesScheduled).toBe(f.served503 - f.final503);
    expect(f.replays).toBe(f.served401 - f.final401);
    expect(f.dataRequests).toBe(f.calls + f.retriesScheduled + f.replays);
    // Single flight and refresh ahead: at most one token fetch per refresh point (75 % of a 2 s life, the
    // earliest a token is replaced) that passed during the run, plus the first.
    expect(f.tokenFetches).toBeGreaterThanOrEqual(1);
    expect(f.tokenFetches).toBeLessThanOrEqual(f.refreshPoints + 1);

    console.info(
      `load: ${f.calls} calls in ${f.wallMs} ms (${f.callsPerSecond}/s), ${f.served503} 503s retried ${f.retriesScheduled}, ` +
        `${f.served401} tokens expired in transit (${f.replays} replays, ${f.final401} final 401s), ` +
        `${f.tokenFetches} token fetches in ${f.wallMs} ms (${f.expiries} lifetimes, ${f.refreshPoints} refresh points), ` +
        `exit ${run.exitAfterMs} ms after closing`,
    );
  }, 60_000);
});
