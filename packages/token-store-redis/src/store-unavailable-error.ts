import { NetworkError } from '@attache/core';
import type { StoreUnavailableReason } from './store-events.ts';

/** What the store throws when it cannot use Redis. The token source treats it as an empty store. */
export class StoreUnavailableError extends NetworkError {
  readonly reason: StoreUnavailableReason;
  readonly storeCode: string | undefined;
  constructor(reason: StoreUnavailableReason, code?: string) {
    const detail = code === undefined ? reason : `${reason}, ${code}`;
    super(`Redis token store unavailable (${detail}): tokens are fetched without it`);
    this.reason = reason;
    this.storeCode = code;
  }
}

export function unavailable(reason: StoreUnavailableReason, code?: string): StoreUnavailableError {
  return new StoreUnavailableError(reason, code);
}

/**
 * Classifies an ioredis failure. The error itself is never kept or printed: ioredis attaches the command's
 * arguments to it, and those can hold a token entry.
 */
export function classify(error: unknown): { reason: StoreUnavailableReason; code?: string } {
  if (error instanceof StoreUnavailableError) {
    return error.storeCode === undefined
      ? { reason: error.reason }
      : { reason: error.reason, code: error.storeCode };
  }
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : '';
  if (name === 'ReplyError') {
    const word = /^[A-Z][A-Z_]{1,31}\b/.exec(message)?.[0];
    return word === undefined ? { reason: 'command-failed' } : { reason: 'command-failed', code: word };
  }
  if (/timed out/i.test(message)) return { reason: 'timeout' };
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z_]{2,31}$/.test(code)
    ? { reason: 'disconnected', code }
    : { reason: 'disconnected' };
}
