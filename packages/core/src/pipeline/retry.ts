import { sleep } from '../deadline.ts';
import { redactUrl } from '../redact.ts';
import { parseRetryAfter } from '../retry-after.ts';
import { backoffDelay, type ResolvedRetry } from '../retry-policy.ts';
import type { PipelineConfig } from './config.ts';
import type { Hop } from './hop.ts';

/** A retry to wait for, or the verdict that the response is final (with the `Retry-After` it carried). */
export type RetryPlan = { readonly delay: number } | { readonly retryAfter: number | undefined };

/**
 * A hop may be sent again: its body can be, its method is idempotent or it has an Idempotency-Key, and it is
 * not a hop whose credentials were withheld (its answer comes back as it is).
 */
function replayable(policy: ResolvedRetry, hop: Hop): boolean {
  if (hop.access === 'withheld' || hop.body === null) return false;
  return policy.methods.has(hop.method) || hop.headers.has('idempotency-key');
}

/** The `Retry-After` of a final 429 or 503, for the caller to schedule with. */
export function finalRetryAfter(config: PipelineConfig, response: Response): number | undefined {
  const status = response.status;
  return status === 429 || status === 503 ? parseRetryAfter(response.headers, config.now()) : undefined;
}

/**
 * The retry stage for a response: retry this hop (after `delay`) when its status is transient, retries and
 * budget are left, the hop can be sent again, and the wait (backoff, or the server's `Retry-After` up to
 * `maxRetryAfter`) ends before the deadline.
 */
export function planStatusRetry(
  config: PipelineConfig,
  policy: ResolvedRetry,
  hop: Hop,
  response: Response,
  retries: number,
  remaining: number,
): RetryPlan {
  if (!policy.statuses.has(response.status) || retries >= policy.retries || !replayable(policy, hop)) {
    return { retryAfter: finalRetryAfter(config, response) };
  }
  const retryAfter = parseRetryAfter(response.headers, config.now());
  if (retryAfter !== undefined && (retryAfter > policy.maxRetryAfter || retryAfter >= remaining)) {
    return { retryAfter };
  }
  const delay = retryAfter ?? backoffDelay(policy, retries, config.random);
  if (delay >= remaining || !config.budget.tryAcquire()) return { retryAfter };
  return { delay };
}

/** The retry stage for a network error: the delay before sending this hop again, or `undefined`. */
export function planNetworkRetry(
  config: PipelineConfig,
  policy: ResolvedRetry,
  hop: Hop,
  retries: number,
  remaining: number,
): number | undefined {
  if (!policy.networkErrors || retries >= policy.retries || !replayable(policy, hop)) return undefined;
  const delay = backoffDelay(policy, retries, config.random);
  return delay < remaining && config.budget.tryAcquire() ? delay : undefined;
}

/** Announces the retry and waits; the wait ends at once when the call aborts. */
export function waitToRetry(
  config: PipelineConfig,
  hop: Hop,
  delay: number,
  attempt: number,
  signal: AbortSignal,
  status?: number,
): Promise<void> {
  if (config.listening) {
    config.emit({
      type: 'retry:scheduled',
      method: hop.method,
      url: redactUrl(hop.url, config.sensitive),
      reason: status === undefined ? 'network' : 'status',
      ...(status === undefined ? {} : { status }),
      attempt,
      delayMs: delay,
    });
  }
  return sleep(delay, signal);
}
