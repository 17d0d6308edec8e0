import type { AttacheEventListener, TokenStoreEvent } from '@attache/core';
import { callListener } from '@attache/core/internal';

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
export interface StoreListeners {
  emit(event: RedisTokenStoreEvent): void;
  subscribe(listener: AttacheEventListener): () => void;
}

export function createStoreListeners(option: RedisTokenStoreListener | undefined): StoreListeners {
  const listeners = new Set<RedisTokenStoreListener>();
  if (option !== undefined) listeners.add(option);
  return {
    emit(event) {
      // A faulty listener must not break a store operation (the token source would see a failing store).
      for (const each of listeners) callListener(each, event);
    },
    subscribe(added) {
      // Each listener is called once however often it is added (several clients sharing one listener and
      // one store, or the same listener given as `onEvent` too); only the call that added it removes it.
      const owned = listeners.has(added) ? undefined : added;
      if (owned !== undefined) listeners.add(owned);
      return () => {
        if (owned !== undefined) listeners.delete(owned);
      };
    },
  };
}
