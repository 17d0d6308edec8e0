export type { EncryptionKeyInput, EntryEncryptionOptions } from './entry-cipher.ts';
export type { RedisTokenStore, RedisTokenStoreOptions } from './redis-token-store.ts';
export { createRedisTokenStore } from './redis-token-store.ts';
export type {
  RedisTokenStoreEvent,
  RedisTokenStoreListener,
  StoreAvailableEvent,
  StoreEntryRejectedEvent,
  StoreUnavailableEvent,
  StoreUnavailableReason,
} from './store-events.ts';
