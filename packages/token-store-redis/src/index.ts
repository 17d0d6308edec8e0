import './require-node.ts';

export type { EntryRejectionReason } from './entry-check.ts';
export type { EncryptionKeyInput, EntryEncryptionOptions } from './entry-cipher.ts';
export type { RedisClusterOptions, RedisTokenStore, RedisTokenStoreOptions } from './redis-token-store.ts';
export { createRedisTokenStore } from './redis-token-store.ts';
export type {
  RedisTokenStoreEvent,
  RedisTokenStoreListener,
  StoreAvailableEvent,
  StoreEntryRejectedEvent,
  StoreLockBypassedEvent,
  StoreUnavailableEvent,
  StoreUnavailableReason,
} from './store-events.ts';
