import { raceSignal } from '../deadline.ts';
import { TimeoutError } from '../errors.ts';
import type { AttacheEventListener } from '../events.ts';
import { recordFailure } from './failure-backoff.ts';
import { fetchFromNetwork } from './network-fetch.ts';
import { handOut, hardLimit, type SourceContext, unexpired } from './source-context.ts';
import type { HeldToken } from './token-registry.ts';
import type { GetTokenOptions, Token } from './token-types.ts';

// The lock protocol of shared stores loads with the first store read: a source without a store never needs it.
const storeLock = () => import('./store-lock.ts');

async function runFlight(context: SourceContext, sink: AttacheEventListener | undefined): Promise<HeldToken> {
  const { state, store, fetchTimeout } = context;
  const controller = new AbortController();
  const timer =
    fetchTimeout === false
      ? undefined
      : setTimeout(
          () => controller.abort(new TimeoutError(`Token request timed out after ${fetchTimeout} ms`)),
          fetchTimeout,
        );
  try {
    const held =
      store === undefined
        ? await fetchFromNetwork(context, controller.signal, sink)
        : await (await storeLock()).fetchThroughStore(context, store, controller.signal, sink);
    state.failure = undefined;
    return held;
  } catch (caught) {
    throw recordFailure(context, caught, controller.signal, sink);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Starts the one fetch of the key that everybody waits for. */
function startFlight(context: SourceContext, sink: AttacheEventListener | undefined): Promise<HeldToken> {
  const { state } = context;
  const flight: Promise<HeldToken> = runFlight(context, sink).finally(() => {
    if (state.flight === flight) state.flight = undefined;
  });
  state.flight = flight;
  // Background refreshes are not awaited by anyone: their failure is recorded, not unhandled.
  flight.catch(() => undefined);
  return flight;
}

function refreshInBackground(context: SourceContext, sink: AttacheEventListener | undefined): void {
  const { state } = context;
  if (state.flight !== undefined) return;
  const t = context.now();
  if (state.failure !== undefined && t < state.failure.retryAt) return;
  if (t < state.nextStoreCheck) return;
  // Nobody waits for it: the result lands in the shared state, a failure in `state.failure`.
  void startFlight(context, sink);
}

async function waitForNew(
  context: SourceContext,
  signal: AbortSignal | undefined,
  sink: AttacheEventListener | undefined,
): Promise<Token> {
  const { state } = context;
  let flight = state.flight;
  if (flight === undefined) {
    const failure = state.failure;
    if (failure !== undefined && context.now() < failure.retryAt) {
      // Inside the back-off: no new attempt. A token that has not expired yet is still better than an error.
      const held = unexpired(context);
      if (held !== undefined) return handOut(context, held, sink);
      throw failure.error;
    }
    flight = startFlight(context, sink);
  }
  try {
    return handOut(context, await (signal === undefined ? flight : raceSignal(flight, signal)), sink);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const held = unexpired(context);
    if (held !== undefined) return handOut(context, held, sink);
    throw error;
  }
}

/**
 * The cached token while it is fresh; the cached token plus a background refresh inside the refresh window;
 * else a new one, from the single flight of the key.
 */
export async function getToken(context: SourceContext, options: GetTokenOptions): Promise<Token> {
  const { signal, onEvent: sink } = options;
  if (signal?.aborted) throw signal.reason;
  const { state } = context;
  if (options.clock !== undefined) state.clock = options.clock;
  const held = state.held;
  if (held !== undefined) {
    const t = context.now();
    if (t < held.token.refreshAt) return handOut(context, held, sink);
    if (t < hardLimit(context, held.token)) {
      refreshInBackground(context, sink);
      return handOut(context, held, sink);
    }
  }
  return waitForNew(context, signal, sink);
}
