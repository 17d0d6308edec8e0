import { isAttacheError } from '../errors.ts';
import type { AttemptStartEvent } from '../events.ts';
import { redactUrl } from '../redact.ts';
import type { PipelineConfig } from './config.ts';
import type { Hop } from './hop.ts';
import { isAbortLike } from './send.ts';

/** The call's `request:start` and `request:end` events; nothing is built when nobody listens. */
export interface CallTrace {
  /** The call ended with a response after `attempts` attempts. */
  ended(status: number, attempts: number): void;
  /** The call ended in `error` after `attempts` attempts (0: nothing was sent). */
  failed(error: unknown, attempts: number): void;
}

function errorName(error: unknown): string {
  return isAttacheError(error) ? error.code : isAbortLike(error) ? 'ABORTED' : 'ERROR';
}

const SILENT: CallTrace = { ended: () => {}, failed: () => {} };

/** Starts a call's trace: emits `request:start` (when `url` is known) and remembers when the call began. */
export function startTrace(config: PipelineConfig, method: string, url: URL | undefined): CallTrace {
  if (!config.listening) return SILENT;
  const started = config.now();
  const safeUrl = url === undefined ? '' : redactUrl(url, config.sensitive);
  if (url !== undefined) config.emit({ type: 'request:start', method, url: safeUrl });
  const base = (attempts: number) => ({
    type: 'request:end' as const,
    method,
    url: safeUrl,
    durationMs: config.now() - started,
    attempts,
  });
  return {
    ended: (status, attempts) => config.emit({ ...base(attempts), status }),
    failed: (error, attempts) =>
      config.emit({
        ...base(attempts),
        error: errorName(error),
      }),
  };
}

/** Why a request is sent, and what failed before a retry. */
export interface SendReason {
  readonly reason: AttemptStartEvent['reason'];
  readonly retryReason?: string;
}

/** One request's `attempt:end`. */
export interface AttemptTrace {
  ended(status: number): void;
  failed(error: unknown): void;
}

const SILENT_ATTEMPT: AttemptTrace = { ended: () => {}, failed: () => {} };

/**
 * Emits `attempt:start` for one request of the call (before its credentials are attached) and returns what
 * emits its `attempt:end`; nothing is built when nobody listens.
 *
 * @param resendCount How many requests the call sent before this one.
 */
export function startAttempt(
  config: PipelineConfig,
  hop: Hop,
  attempt: number,
  resendCount: number,
  why: SendReason,
): AttemptTrace {
  if (!config.listening) return SILENT_ATTEMPT;
  const started = config.now();
  config.emit({
    type: 'attempt:start',
    method: hop.method,
    url: redactUrl(hop.url, config.sensitive),
    attempt,
    hop: hop.index,
    resendCount,
    reason: why.reason,
    ...(why.retryReason === undefined ? {} : { retryReason: why.retryReason }),
    access: hop.access,
    authenticators: hop.access === 'credentials' ? config.authenticators.map((a) => a.name) : [],
  });
  const base = () => ({
    type: 'attempt:end' as const,
    attempt,
    hop: hop.index,
    resendCount,
    durationMs: config.now() - started,
  });
  return {
    ended: (status) => config.emit({ ...base(), status }),
    failed: (error) => config.emit({ ...base(), error: errorName(error) }),
  };
}
