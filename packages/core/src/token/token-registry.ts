import type { Clock } from '../clock.ts';
import type { TokenAcquisitionError } from '../errors.ts';
import type { Token } from './token-types.ts';

/** A token as the registry keeps it: the public token plus where it came from. */
export interface HeldToken {
  readonly token: Token;
  /** The store entry this token was written as or read from, for compare-and-delete. */
  readonly entry: string | undefined;
  /** The source that fetched or adopted it: that source reports `network`/`store`, the others `memory`. */
  readonly creator: object;
  readonly origin: 'network' | 'store';
}

/** The last failure and when the next attempt may start. */
export interface TokenFailure {
  readonly error: TokenAcquisitionError;
  /** Consecutive failures, 1 for the first. */
  readonly count: number;
  /** Local epoch ms before which no new attempt starts. */
  readonly retryAt: number;
}

/** Everything token sources with one cache key share in this process. */
export interface KeyState {
  held: HeldToken | undefined;
  flight: Promise<HeldToken> | undefined;
  failure: TokenFailure | undefined;
  /** Server time minus local time, from the last token response that carried a `Date`. */
  clockOffset: number;
  /** The clock of the client that last asked: one clock per client, shared with its pipeline. */
  clock?: Clock | undefined;
  /** While another process holds the store lock, the local epoch ms before which the store is not asked again. */
  nextStoreCheck: number;
  /** A compare-and-delete on the store that a new fetch must wait for. */
  pendingDelete: Promise<unknown> | undefined;
  /** The value last invalidated: never adopted again from the store. */
  rejected: string | undefined;
}

function emptyState(): KeyState {
  return {
    held: undefined,
    flight: undefined,
    failure: undefined,
    clockOffset: 0,
    nextStoreCheck: 0,
    pendingDelete: undefined,
    rejected: undefined,
  };
}

// One entry per cache key for the life of the process: this is what makes every source (and every client)
// built with the same key share one token and one in-flight fetch. Entries are a few fields each.
const registry = new Map<string, KeyState>();

/** The shared state for `key`, created on first use. */
export function sharedState(key: string): KeyState {
  let state = registry.get(key);
  if (state === undefined) {
    state = emptyState();
    registry.set(key, state);
  }
  return state;
}

/** State owned by one source alone (a source built without a key). */
export function privateState(): KeyState {
  return emptyState();
}
