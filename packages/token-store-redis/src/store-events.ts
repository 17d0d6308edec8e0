import type { EntryRejectionReason } from './entry-check.ts';

/**
 * Events a {@link RedisTokenStore} emits through its `onEvent` option. None carries a token, an encryption
 * key or a Redis password.
 */
export type RedisTokenStoreEvent =
  | StoreUnavailableEvent
  | StoreAvailableEvent
  | StoreEntryRejectedEvent
  | StoreLockBypassedEvent;

/** Why the store could not use Redis. */
export type StoreUnavailableReason = 'disconnected' | 'timeout' | 'command-failed';

/**
 * Redis could not be used: the connection was lost or never came up (`disconnected`), a command took longer
 * than `operationTimeout` (`timeout`), or Redis answered a command with an error (`command-failed`).
 * Token sources then fetch tokens on their own, so calls go on. Emitted once per outage (and once per
 * failed command for `command-failed`), not once per call.
 */
export interface StoreUnavailableEvent {
  readonly type: 'store:unavailable';
  readonly store: 'redis';
  readonly reason: StoreUnavailableReason;
  /**
   * A short code when there is one: a socket error (`ECONNREFUSED`) or the first word of Redis's error
   * (`OOM`, `NOAUTH`, `READONLY`). Never the error's message, which can echo command arguments.
   */
  readonly code?: string;
}

/** Redis answers again after an outage: the fleet shares tokens again. */
export interface StoreAvailableEvent {
  readonly type: 'store:available';
  readonly store: 'redis';
  /** How long Redis was unavailable, in milliseconds. */
  readonly unavailableMs: number;
}

/**
 * A stored entry failed validation and was treated as absent, so the token source fetches a token of its
 * own instead of sending what Redis held: it could not be decrypted with any configured key (another key,
 * tampered with, or written without encryption), it is not a token source entry, or its token or token
 * type holds characters a header cannot carry (see {@link EntryRejectionReason}). Emitted once per distinct
 * entry.
 */
export interface StoreEntryRejectedEvent {
  readonly type: 'store:entry-rejected';
  readonly store: 'redis';
  /** The token source's cache key (never secret: it is printed in the source's events too). */
  readonly key: string;
  readonly reason: EntryRejectionReason;
}

/**
 * A process stopped waiting for another holder's lock and fetched a token without it. `'no-expiry'`: the
 * lock had no time to live, so it would never have freed (it is given `lockTtl` now, so it frees on its
 * own). `'held-too-long'`: this process had been waiting for `lockTtl` and the lock was still held (a
 * holder with a longer `lockTtl`, or a lock extended by hand). Either way no caller waits on a lock longer
 * than `lockTtl`.
 */
export interface StoreLockBypassedEvent {
  readonly type: 'store:lock-bypassed';
  readonly store: 'redis';
  /** The token source's cache key. */
  readonly key: string;
  readonly reason: 'no-expiry' | 'held-too-long';
  /** How long this process had been waiting for the lock, in ms (0 for `no-expiry`). */
  readonly waitedMs: number;
}

/** Receives every {@link RedisTokenStoreEvent}. Exceptions thrown by a listener are swallowed. */
export type RedisTokenStoreListener = (event: RedisTokenStoreEvent) => void;
