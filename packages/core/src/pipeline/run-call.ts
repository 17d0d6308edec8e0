import { createDeadline } from '../deadline.ts';
import { type CallHints, normalizeCall, readBody } from './call.ts';
import { configForCall, type PipelineConfig } from './config.ts';
import { hopLoop } from './hop-loop.ts';
import type { AttacheRequestInit } from './options.ts';
import { gateHop } from './origin-gate.ts';
import type { PipelineResult } from './result.ts';
import { startTrace } from './trace.ts';

/**
 * One call through the stages: normalise → origin gate (first hop) → deadline → body read once → the hop loop
 * (attach, send, redirects, challenge, retry) → finalize. Emits `request:start` and `request:end`; every event
 * of the call carries its `callId`.
 */
export async function runCall(
  client: PipelineConfig,
  input: Request | string | URL,
  init: AttacheRequestInit | undefined,
  hints?: CallHints,
): Promise<PipelineResult> {
  const config = configForCall(client, hints?.callId);
  let call: ReturnType<typeof normalizeCall>;
  try {
    call = normalizeCall(config, input, init, hints);
  } catch (error) {
    startTrace(config, init?.method ?? 'GET', undefined).failed(error, 0);
    throw error;
  }
  const trace = startTrace(config, call.method, call.url);
  const progress = { attempts: 0 };
  let deadline: ReturnType<typeof createDeadline> | undefined;
  try {
    const access = gateHop(config, call.url, true, call.snapshot);
    deadline = createDeadline(call.timeout, call.signal, config.now, call.snapshot);
    // Awaited only when there is something to read: an await costs a turn of the microtask queue.
    if (call.pending !== undefined) await readBody(call, deadline.signal);
    const first = {
      url: call.url,
      method: call.method,
      headers: call.headers,
      body: call.body,
      access,
      index: 0,
    };
    // Nothing can abort a call without a deadline or a caller's signal: the transport then gets no signal.
    const abortable = call.timeout !== false || (call.signal !== undefined && call.signal !== null);
    const result = await hopLoop(
      config,
      call,
      first,
      deadline,
      abortable ? deadline.signal : undefined,
      progress,
    );
    trace.ended(result.response.status, progress.attempts);
    return result;
  } catch (error) {
    const final = deadline?.signal.aborted ? deadline.signal.reason : error;
    trace.failed(final, progress.attempts);
    throw final;
  } finally {
    deadline?.dispose();
  }
}
