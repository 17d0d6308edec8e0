import type { RequestDraft } from '../authenticator.ts';
import { raceSignal } from '../deadline.ts';
import { isAttacheError, NetworkError } from '../errors.ts';
import { redactRequest, redactUrl } from '../redact.ts';
import type { OutgoingRequest } from '../transport.ts';
import type { Call } from './call.ts';
import type { PipelineConfig } from './config.ts';

export function isAbortLike(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * The send stage: hands the transport an outgoing description of the draft and returns its response. A
 * failure of the transport becomes a `NetworkError` (retryable); the deadline and the caller's abort keep
 * their own reasons.
 *
 * @param signal The call's signal, or `undefined` when nothing can abort the call.
 */
export async function sendStage(
  config: PipelineConfig,
  call: Call,
  draft: RequestDraft,
  signal: AbortSignal | undefined,
  deadline: AbortSignal,
): Promise<Response> {
  const outgoing: OutgoingRequest = {
    url: draft.url.href,
    method: draft.method,
    headers: draft.headers,
    body: draft.body === null ? call.stream : draft.body,
    signal,
    redirect: config.manualRedirects ? 'manual' : call.redirect,
    init: call.init,
  };
  try {
    const sent = config.transport(outgoing);
    // Raced against the deadline unless the transport is known to follow the signal: one that ignores it must
    // not outlive the call.
    return await (config.honoursSignal ? sent : raceSignal(sent, deadline));
  } catch (error) {
    if (deadline.aborted) throw deadline.reason;
    if (isAbortLike(error) || isAttacheError(error)) throw error;
    throw new NetworkError(`Network error for ${draft.method} ${redactUrl(draft.url, config.sensitive)}`, {
      cause: error,
      request: redactRequest(draft, config.sensitive),
    });
  }
}
