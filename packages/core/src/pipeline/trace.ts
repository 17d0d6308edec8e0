import { isAttacheError } from '../errors.ts';
import type { PipelineConfig } from './config.ts';
import { isAbortLike } from './send.ts';

/** The call's `request:start` and `request:end` events; nothing is built when nobody listens. */
export interface CallTrace {
  /** The call ended with a response after `attempts` attempts. */
  ended(status: number, attempts: number): void;
  /** The call ended in `error` after `attempts` attempts (0: nothing was sent). */
  failed(error: unknown, attempts: number): void;
}

const SILENT: CallTrace = { ended: () => {}, failed: () => {} };

/** Starts a call's trace: emits `request:start` (when `url` is known) and remembers when the call began. */
export function startTrace(config: PipelineConfig, method: string, url: (() => string) | undefined): CallTrace {
  if (!config.listening) return SILENT;
  const started = config.now();
  const safeUrl = url === undefined ? '' : url();
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
        error: isAttacheError(error) ? error.code : isAbortLike(error) ? 'ABORTED' : 'ERROR',
      }),
  };
}
