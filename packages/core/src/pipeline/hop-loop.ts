import type { AuthContext, RequestDraft } from '../authenticator.ts';
import type { Deadline } from '../deadline.ts';
import { isAttacheError } from '../errors.ts';
import { attachStage } from './attach.ts';
import type { Call } from './call.ts';
import { challengeStage } from './challenge.ts';
import type { PipelineConfig } from './config.ts';
import type { Hop } from './hop.ts';
import { discard, redirectStage } from './redirects.ts';
import { finalizeStage, type PipelineResult } from './result.ts';
import { planNetworkRetry, planStatusRetry, waitToRetry } from './retry.ts';
import { sendStage } from './send.ts';
import { type SendReason, startAttempt } from './trace.ts';

const INITIAL: SendReason = { reason: 'initial' };
const NETWORK_RETRY: SendReason = { reason: 'retry', retryReason: 'network' };
const REPLAY: SendReason = { reason: 'replay' };
const REDIRECT: SendReason = { reason: 'redirect' };

/** What authenticators are told about one attempt; `callId` only when the client listens for events. */
function attemptContext(
  config: PipelineConfig,
  call: Call,
  deadline: Deadline,
  attempt: number,
  isReplay: boolean,
): AuthContext {
  const { clock, emit, callId } = config;
  const signal = deadline.signal;
  const account = call.account;
  return callId === undefined
    ? { attempt, signal, clock, isReplay, account, emit }
    : { attempt, signal, clock, isReplay, account, emit, callId };
}

/**
 * The attempt and hop loops of one call. Each pass attaches credentials to a fresh draft of the current hop
 * (when its origin passed the gate), sends it, and reads the answer: a redirect moves to the next hop (the
 * answered one is never sent again); a 401 from a hop that carried credentials may replay this hop once; a
 * transient failure retries this hop; anything else is final.
 *
 * @param signal What the transport gets: the call's signal, or `undefined` when nothing can abort the call.
 * @param progress Counts the attempts made, for the call's trace when it ends in an error.
 */
export async function hopLoop(
  config: PipelineConfig,
  call: Call,
  first: Hop,
  deadline: Deadline,
  signal: AbortSignal | undefined,
  progress: { attempts: number },
): Promise<PipelineResult> {
  let hop = first;
  let attempt = 1;
  let retries = 0;
  let replayed = false;
  // For the attempt events: how many requests went out before, and why the next one is sent.
  let sent = 0;
  let why: SendReason = INITIAL;
  for (;;) {
    const context = attemptContext(config, call, deadline, attempt, replayed);
    const traced = startAttempt(config, hop, attempt, sent++, why);
    let draft: RequestDraft;
    let response: Response;
    progress.attempts = attempt;
    try {
      const drafted = attachStage(config, hop, context);
      draft = drafted instanceof Promise ? await drafted : drafted;
      response = await sendStage(config, call, draft, signal, deadline.signal);
    } catch (error) {
      traced.failed(deadline.signal.aborted ? deadline.signal.reason : error);
      // Only the transport's failures are network errors; what an authenticator threw keeps its identity.
      if (!isAttacheError(error) || error.code !== 'NETWORK') throw error;
      const delay = planNetworkRetry(config, call.retry, hop, retries, deadline.remaining());
      if (delay === undefined) throw error;
      await waitToRetry(config, hop, delay, attempt, deadline.signal);
      retries++;
      attempt++;
      why = NETWORK_RETRY;
      continue;
    }
    traced.ended(response.status);
    // Only a server that was sent credentials may teach the clock the signatures and tokens are judged by.
    if (hop.access === 'credentials') config.clock.observe(response);
    const next = redirectStage(config, call, hop, response);
    if (next !== undefined) {
      hop = next;
      why = REDIRECT;
      continue;
    }
    if (
      config.challengeStatuses.has(response.status) &&
      hop.access === 'credentials' &&
      call.retryOnUnauthorized &&
      !replayed
    ) {
      const verdict = await challengeStage(config, response, draft, context);
      if (!verdict.replay) return finalizeStage(response, attempt, draft, config.sensitive, verdict);
      replayed = true;
      attempt++;
      why = REPLAY;
      continue;
    }
    const plan = planStatusRetry(config, call.retry, hop, response, retries, deadline.remaining());
    if ('delay' in plan) {
      discard(response);
      await waitToRetry(config, hop, plan.delay, attempt, deadline.signal, response.status);
      retries++;
      attempt++;
      why = { reason: 'retry', retryReason: String(response.status) };
      continue;
    }
    if (response.ok) config.budget.recordSuccess();
    return finalizeStage(response, attempt, draft, config.sensitive, plan);
  }
}
