import type { AttacheEvent } from '@attache/core';

/** Collects pipeline events into the figures the demo prints for each scheme. */
export interface SchemeReport {
  readonly name: string;
  calls: number;
  ok: number;
  failed: number;
  retries: number;
  replays: number;
  redirects: number;
  tokenFetches: number;
  /** Token fetches that replaced a token: ahead of expiry, or after a 401. */
  refreshes: number;
  latencies: number[];
  notes: string[];
  /** The span tree of one call, as `@attache/otel` records it, when the scheme traced one. */
  trace?: string[];
}

export function createReport(name: string): { report: SchemeReport; onEvent: (event: AttacheEvent) => void } {
  const report: SchemeReport = {
    name,
    calls: 0,
    ok: 0,
    failed: 0,
    retries: 0,
    replays: 0,
    redirects: 0,
    tokenFetches: 0,
    refreshes: 0,
    latencies: [],
    notes: [],
  };
  const fetchedKeys = new Set<string>();
  const onEvent = (event: AttacheEvent): void => {
    switch (event.type) {
      case 'request:end':
        report.calls++;
        report.latencies.push(event.durationMs);
        if (event.status !== undefined && event.status < 400) report.ok++;
        else report.failed++;
        break;
      case 'retry:scheduled':
        report.retries++;
        break;
      case 'challenge:handled':
        if (event.outcome === 'replay') report.replays++;
        break;
      case 'redirect:followed':
        report.redirects++;
        break;
      case 'token:acquired':
        if (event.source !== 'network') break;
        // A fetch for a token key already fetched once is a refresh (one key per account or client).
        if (fetchedKeys.has(event.key)) report.refreshes++;
        fetchedKeys.add(event.key);
        report.tokenFetches++;
        break;
      default:
        break;
    }
  };
  return { report, onEvent };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function printReports(reports: readonly SchemeReport[]): void {
  const rows = reports.map((r) => ({
    scheme: r.name,
    calls: r.calls,
    ok: r.ok,
    failed: r.failed,
    'token fetches': r.tokenFetches,
    refreshes: r.refreshes,
    replays: r.replays,
    retries: r.retries,
    redirects: r.redirects,
    'p50 ms': percentile(r.latencies, 50),
    'p99 ms': percentile(r.latencies, 99),
  }));
  console.table(rows);
  for (const r of reports) for (const note of r.notes) console.log(`  ${r.name}: ${note}`);
  for (const r of reports) {
    if (r.trace === undefined) continue;
    console.log(`\n  ${r.name}: the trace of that refresh-and-replay call (@attache/otel)`);
    for (const line of r.trace) console.log(`    ${line}`);
  }
}
