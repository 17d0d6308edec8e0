import type { TokenStoreEvent } from '@attache/core';

export type {
  StoreAvailableEvent,
  StoreEntryRejectedEvent,
  StoreLockBypassedEvent,
  StoreUnavailableEvent,
  StoreUnavailableReason,
} from '@attache/core';

/**
 * Events a {@link RedisTokenStore} emits through its `onEvent` option: members of core's `AttacheEvent` union,
 * so the client's own `onEvent` listener can be given here too. None carries a token, an encryption key or a
 * Redis password.
 */
export type RedisTokenStoreEvent = TokenStoreEvent;

/**
 * Receives every {@link RedisTokenStoreEvent}. Exceptions thrown by a listener are swallowed. A client's
 * `AttacheEventListener` fits.
 */
export type RedisTokenStoreListener = (event: RedisTokenStoreEvent) => void;
