/** Which test files run in which vitest project, and in what order (vitest.config.ts). */

// The test files of the node projects (browser tests, `*.browser.test.ts`, are the browser project's).
export const NODE_INCLUDE = ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'];

// Suites that load the machine themselves (thousands of calls, fleets of processes, the benchmark at a tiny
// scale): they run on their own after the others, one at a time, so their deadlines mean what they say (and
// the benchmark, which asserts no timing, would slow the short files more than it would save at the end).
export const HEAVY = [
  'test/bench-smoke.test.ts',
  'test/load.test.ts',
  'test/refresh-fleet.test.ts',
  'packages/token-store-redis/test/fleet.test.ts',
];

// Files that replace modules with `vi.mock`: a module already loaded by an earlier file in the same worker
// would not be replaced, and the mock must not reach later files, so they get a fresh worker each.
export const MOCKS_MODULES = [
  'packages/oauth-cc/test/discover-load-failure.test.ts',
  'packages/oauth-cc/test/refusal-load-failure.test.ts',
];

// The longest files of each group, longest first. Started first, they run beside the many short files instead
// of being the last ones left on an otherwise idle machine. Vitest orders by the previous run's durations when
// it has them; a fresh clone (CI) has none and would order by file size, which puts most of these late.
export const SLOW_FIRST = [
  'test/engines.test.ts',
  'test/token-endpoint-faults.test.ts',
  // The first file that type-checks documentation snippets starts the one check that all of them share.
  'packages/core/test/readme.test.ts',
  'test/fuzz.test.ts',
  'packages/token-store-redis/test/fleet.test.ts',
];

// Suites against real loopback servers that pin down the pipeline's failure behaviour (typed errors, deadlines,
// aborts, redirects, retries, 401 replays, refused and reset connections): the `node-transport` project runs
// them a second time with every client that names no transport sending through `nodeTransport` (undici's
// dispatcher) instead of the global fetch. msw cannot see undici's dispatcher: suites on msw cannot be here.
export const NODE_TRANSPORT_SUITES = [
  'packages/core/test/hops.test.ts',
  'packages/core/test/redirects.test.ts',
  'test/redirect-leaks.test.ts',
  'test/transport-failures.test.ts',
  'packages/otel/test/telemetry.test.ts',
  'packages/otel/test/logs.test.ts',
];
