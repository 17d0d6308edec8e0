import type { TokenStoreEvent } from '@attache/core';
import { createEventSource, type EventSourceListeners } from '@attache/core/internal';

export type {
  StoreAvailableEvent,
  StoreEntryRejectedEvent,
  StoreLockBypassedEvent,
  StoreUnavailableEvent,
  StoreUnavailableReason,
} from '@attache/core';

/**
 * Events a {@link RedisTokenStore} emits: members of core's `AttacheEvent` union. They reach the store's
 * `onEvent` option and every listener added with `subscribe`, which is how they join the `onEvent` stream of
 * a client whose authenticator uses the store. None carries a token, an encryption key or a Redis password.
 */
export type RedisTokenStoreEvent = TokenStoreEvent;

/**
 * Receives every {@link RedisTokenStoreEvent}. Exceptions thrown by a listener are swallowed. A client's
 * `AttacheEventListener` fits.
 */
export type RedisTokenStoreListener = (event: RedisTokenStoreEvent) => void;

/** The store's listeners: its `onEvent` option and those of the clients it serves. */
export type StoreListeners = EventSourceListeners<RedisTokenStoreEvent>;

/**
 * A faulty listener never breaks a store operation (the token source would see a failing store); each is
 * called once however often it is added, and only the call that added it removes it.
 */
export function createStoreListeners(option: RedisTokenStoreListener | undefined): StoreListeners {
  return createEventSource(option);
}
