import { backoff, EQUAL_JITTER } from '../backoff.ts';
import { isAttacheError, TokenAcquisitionError } from '../errors.ts';
import type { AttacheEventListener } from '../events.ts';
import { emit, type SourceContext } from './source-context.ts';

/** The ceiling of the first wait after a failure; it doubles with each failure in a row. */
const FIRST_BACKOFF = 1_000;

/** Why a fetch failed, for events: an RFC 6749 error code or a status, never a message (it could carry data). */
function describeFailure(error: TokenAcquisitionError): string {
  if (error.error !== undefined) return error.error;
  if (error.status !== undefined) return `HTTP ${error.status}`;
  const cause = error.cause;
  if (isAttacheError(cause)) return cause.code;
  return error.code;
}

function toAcquisitionError(
  context: SourceContext,
  error: unknown,
  signal: AbortSignal,
): TokenAcquisitionError {
  // By code rather than `instanceof`, so errors from another copy of the package pass through as is.
  if (isAttacheError(error) && error.code === 'TOKEN_ACQUISITION') return error as TokenAcquisitionError;
  if (signal.aborted && error === signal.reason) {
    return new TokenAcquisitionError(
      `Token request for ${context.key} timed out after ${String(context.fetchTimeout)} ms`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
  const detail = isAttacheError(error) ? error.message : error instanceof Error ? error.name : typeof error;
  return new TokenAcquisitionError(`Could not obtain a token for ${context.key}: ${detail}`, {
    cause: error,
    retryable: isAttacheError(error) ? error.isRetryable : true,
  });
}

/**
 * Records a failed fetch: no new attempt starts before the back-off has passed. Emits
 * `token:refresh-failed` and returns the error to throw.
 */
export function recordFailure(
  context: SourceContext,
  caught: unknown,
  signal: AbortSignal,
  sink: AttacheEventListener | undefined,
): TokenAcquisitionError {
  const { state } = context;
  const error = toAcquisitionError(context, caught, signal);
  const count = (state.failure?.count ?? 0) + 1;
  // The endpoint's own Retry-After (from a 429 or 503) is a floor for the back-off, never a ceiling.
  const retryInMs = Math.max(
    backoff(FIRST_BACKOFF, context.maxBackoff, count - 1, context.random, EQUAL_JITTER),
    error.retryAfter ?? 0,
  );
  const failedAt = context.now();
  state.failure = { error, count, retryAt: failedAt + retryInMs };
  const held = state.held;
  emit(
    context,
    {
      type: 'token:refresh-failed',
      key: context.key,
      error: describeFailure(error),
      retryInMs,
      stillValid: held !== undefined && failedAt < held.token.expiresAt,
    },
    sink,
  );
  return error;
}
