import type { AttacheEvent } from '@attache/core';
import type { RedisTokenStoreEvent } from '@attache/token-store-redis';

/** What a burst of concurrent calls in one worker ended with. */
export interface BurstResult {
  /** Count per outcome: an HTTP status (`"200"`) or an error name (`"TimeoutError"`). */
  readonly outcomes: Record<string, number>;
  /** The slowest call, in ms. */
  readonly maxMs: number;
}

export type ParentMessage =
  | { readonly id: number; readonly op: 'shift'; readonly ms: number }
  | { readonly id: number; readonly op: 'burst'; readonly calls: number; readonly timeout?: number }
  | { readonly id: number; readonly op: 'probe'; readonly timeoutMs: number }
  | { readonly id: number; readonly op: 'close' };

export type WorkerMessage =
  | { readonly type: 'ready'; readonly worker: string }
  | { readonly type: 'reply'; readonly id: number; readonly result: BurstResult | boolean | null }
  | { readonly type: 'store-event'; readonly event: RedisTokenStoreEvent }
  | { readonly type: 'token-event'; readonly event: AttacheEvent };
