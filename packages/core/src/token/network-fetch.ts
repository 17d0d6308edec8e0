import { raceSignal } from '../deadline.ts';
import type { AttacheEventListener } from '../events.ts';
import { adopt, emit, makeHeld, type SourceContext } from './source-context.ts';
import { recordFromResponse } from './token-record.ts';
import type { HeldToken } from './token-registry.ts';
import { serializeRecord } from './token-store.ts';

/** Calls `fetchToken`, writes the new token to the store (if any) and makes it the shared one. */
export async function fetchFromNetwork(
  context: SourceContext,
  signal: AbortSignal,
  sink: AttacheEventListener | undefined,
): Promise<HeldToken> {
  const { state, now, store, key } = context;
  const requestedAt = now();
  const clock = state.clock ?? { now: () => now() + state.clockOffset, offset: state.clockOffset };
  const response = await raceSignal(
    context.fetchToken({
      signal,
      now,
      key,
      clock,
      random: context.random,
      emit: (event) => emit(context, event, sink),
    }),
    signal,
  );
  const record = await recordFromResponse(context, response, requestedAt, now());
  let entry: string | undefined;
  if (store !== undefined) {
    entry = serializeRecord(record);
    const ttl = record.expiresAt - now();
    if (ttl > 0) {
      try {
        await store.set(key, entry, Math.ceil(ttl));
      } catch {
        // The token is good; the fleet just does not get it this time.
      }
    }
  }
  return adopt(context, makeHeld(context, record, entry, 'network'));
}
