import { ConfigError } from '@attache/core';
import { checkNumber } from '@attache/core/internal';
import type { FailNextOptions, FaultMatch, FaultOptions } from '../faults.ts';
import { withoutQuery } from '../without-query.ts';

/** One armed fault: how many more requests it takes, which ones, and what it does to them. */
export type Rule =
  | {
      readonly kind: 'fail';
      remaining: number;
      readonly match: FaultMatch | undefined;
      readonly respond: () => Response;
    }
  | { readonly kind: 'network'; remaining: number; readonly match: FaultMatch | undefined }
  | {
      readonly kind: 'delay';
      remaining: number;
      readonly match: FaultMatch | undefined;
      readonly ms: number;
    };

/** What one {@link createFaults} holds: its clock, its armed faults in arming order, and its counters. */
export interface FaultState {
  readonly clock: () => number;
  rules: Rule[];
  skew: number;
  readonly counts: { requests: number; failed: number; networkErrors: number; delayed: number };
}

function positiveInteger(value: unknown, name: string): number {
  return checkNumber(value, `faults: ${name}`, { min: 'positive', integer: true });
}

function checkMatch(match: unknown): FaultMatch | undefined {
  if (match === undefined || typeof match === 'function') return match as FaultMatch | undefined;
  if (typeof match !== 'string' || !URL.canParse(match)) {
    throw new ConfigError('faults: match must be an absolute URL or a function of the request');
  }
  return withoutQuery(match);
}

function matches(match: FaultMatch | undefined, request: Request): boolean {
  if (match === undefined) return true;
  if (typeof match === 'string') return withoutQuery(request.url) === match;
  return match(request);
}

function retryAfterValue(value: number | Date | string): string {
  if (value instanceof Date) return value.toUTCString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(
        'faults: retryAfter must be a non-negative number of seconds, a Date or a string',
      );
    }
    return String(Math.ceil(value));
  }
  if (typeof value === 'string') return value;
  throw new ConfigError('faults: retryAfter must be a non-negative number of seconds, a Date or a string');
}

function failureResponder(status: number, options: FailNextOptions): () => Response {
  const headers = new Headers(options.headers);
  if (options.retryAfter !== undefined) headers.set('retry-after', retryAfterValue(options.retryAfter));
  const body = options.body;
  let text: string | null = null;
  if (typeof body === 'string') text = body;
  else if (body !== undefined) {
    text = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return () => new Response(text, { status, headers });
}

/** Arms `count` failures with `status` (see `Faults.failNext`). */
export function armFailure(state: FaultState, count: number, status: number, options: FailNextOptions): void {
  const n = positiveInteger(count, 'count');
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new ConfigError('faults: status must be an HTTP status between 100 and 599');
  }
  state.rules.push({
    kind: 'fail',
    remaining: n,
    match: checkMatch(options.match),
    respond: failureResponder(status, options),
  });
}

/** Arms `count` network errors (see `Faults.networkErrorNext`). */
export function armNetworkError(state: FaultState, count: number, options: FaultOptions): void {
  state.rules.push({
    kind: 'network',
    remaining: positiveInteger(count, 'count'),
    match: checkMatch(options.match),
  });
}

/** Arms `count` delays of `ms` (see `Faults.delayNext`). */
export function armDelay(state: FaultState, count: number, ms: number, options: FaultOptions): void {
  const n = positiveInteger(count, 'count');
  checkNumber(ms, 'faults: ms', { min: 'non-negative', unit: 'milliseconds' });
  state.rules.push({ kind: 'delay', remaining: n, match: checkMatch(options.match), ms });
}

/** Uses up one of the first armed fault of `kinds` that matches `request`, if any. */
export function takeRule<K extends Rule['kind']>(
  state: FaultState,
  kinds: readonly K[],
  request: Request,
): Extract<Rule, { kind: K }> | undefined {
  const rule = state.rules.find(
    (candidate) =>
      candidate.remaining > 0 &&
      (kinds as readonly string[]).includes(candidate.kind) &&
      matches(candidate.match, request),
  );
  if (rule === undefined) return undefined;
  rule.remaining--;
  state.rules = state.rules.filter((candidate) => candidate.remaining > 0);
  return rule as Extract<Rule, { kind: K }>;
}
