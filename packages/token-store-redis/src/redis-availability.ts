import { NetworkError } from '@attache/core';
import type { RedisTokenStoreEvent, StoreUnavailableReason } from './store-events.ts';

/** The part of an ioredis client (`Redis` or `Cluster`) the availability guard watches. */
export interface ConnectionEvents {
  readonly status: string;
  connect(): Promise<void>;
  on(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
  off(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
}

export interface AvailabilityOptions {
  readonly operationTimeout: number;
  readonly recheckInterval: number;
  readonly emit: (event: RedisTokenStoreEvent) => void;
}

/**
 * Runs Redis commands so that an outage costs callers nothing: a command waits at most `operationTimeout`,
 * and while Redis is known to be unreachable every command fails at once instead of queueing. Tokens are
 * then fetched locally by the token source, which treats a failing store as empty.
 */
export interface Availability {
  run<T>(command: () => Promise<T>): Promise<T>;
  /** Remembers why the connection failed (an ioredis `error` event), for the next `store:unavailable`. */
  noteError(error: unknown): void;
  isAvailable(): boolean;
  dispose(): void;
}

interface Outage {
  readonly since: number;
  recheckAt: number;
}

interface Waiter {
  resolve(): void;
  reject(reason: StoreUnavailableError): void;
}

/** What the store throws when it cannot use Redis. The token source treats it as an empty store. */
class StoreUnavailableError extends NetworkError {
  readonly reason: StoreUnavailableReason;
  readonly storeCode: string | undefined;
  constructor(reason: StoreUnavailableReason, code?: string) {
    const detail = code === undefined ? reason : `${reason}, ${code}`;
    super(`Redis token store unavailable (${detail}): tokens are fetched without it`);
    this.reason = reason;
    this.storeCode = code;
  }
}

function unavailable(reason: StoreUnavailableReason, code?: string): StoreUnavailableError {
  return new StoreUnavailableError(reason, code);
}

/**
 * Classifies an ioredis failure. The error itself is never kept or printed: ioredis attaches the command's
 * arguments to it, and those can hold a token entry.
 */
function classify(error: unknown): { reason: StoreUnavailableReason; code?: string } {
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

export function createAvailability(client: ConnectionEvents, options: AvailabilityOptions): Availability {
  const { operationTimeout, recheckInterval, emit } = options;
  let outage: Outage | undefined;
  let disposed = false;
  let lastErrorCode: string | undefined;
  const waiters = new Set<Waiter>();

  function markDown(reason: StoreUnavailableReason, code?: string): void {
    const t = Date.now();
    if (outage !== undefined) {
      outage.recheckAt = t + recheckInterval;
      return;
    }
    outage = { since: t, recheckAt: t + recheckInterval };
    emit(
      code === undefined
        ? { type: 'store:unavailable', store: 'redis', reason }
        : { type: 'store:unavailable', store: 'redis', reason, code },
    );
  }

  function markUp(): void {
    if (outage === undefined) return;
    const unavailableMs = Date.now() - outage.since;
    outage = undefined;
    emit({ type: 'store:available', store: 'redis', unavailableMs });
  }

  const onReady = (): void => {
    for (const waiter of waiters) waiter.resolve();
    waiters.clear();
    markUp();
  };
  const onClose = (): void => {
    markDown('disconnected', lastErrorCode);
    lastErrorCode = undefined;
    const error = unavailable('disconnected');
    for (const waiter of waiters) waiter.reject(error);
    waiters.clear();
  };
  client.on('ready', onReady);
  client.on('close', onClose);
  client.on('end', onClose);

  /** Waits for the first connection (or a reconnection that is under way) within `ms`. */
  function waitReady(ms: number): Promise<void> {
    if (client.status === 'ready') return Promise.resolve();
    if (client.status === 'end') return Promise.reject(unavailable('disconnected'));
    if (client.status === 'wait') client.connect().catch(() => undefined);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(unavailable('timeout'));
      }, ms);
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (reason) => {
          clearTimeout(timer);
          reject(reason);
        },
      };
      waiters.add(waiter);
    });
  }

  function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable('timeout')), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  return {
    async run<T>(command: () => Promise<T>): Promise<T> {
      if (disposed) throw unavailable('disconnected', 'CLOSED');
      if (outage !== undefined && (client.status !== 'ready' || Date.now() < outage.recheckAt)) {
        // Known to be down: answer at once, so a caller never waits on an outage it cannot change.
        throw unavailable(client.status === 'ready' ? 'timeout' : 'disconnected');
      }
      const started = Date.now();
      try {
        await waitReady(operationTimeout);
        // Nothing is sent while disconnected, so no command sits in a queue to run after the outage.
        const pending = command();
        pending.catch(() => undefined);
        const result = await withTimeout(pending, operationTimeout - (Date.now() - started));
        markUp();
        return result;
      } catch (error) {
        if (disposed) throw unavailable('disconnected', 'CLOSED');
        const { reason, code } =
          error instanceof StoreUnavailableError
            ? { reason: error.reason, code: error.storeCode }
            : classify(error);
        if (reason === 'command-failed') {
          // Redis is up but refused this command: report it, keep using Redis.
          emit(
            code === undefined
              ? { type: 'store:unavailable', store: 'redis', reason }
              : { type: 'store:unavailable', store: 'redis', reason, code },
          );
        } else {
          markDown(reason, code);
        }
        throw unavailable(reason, code);
      }
    },
    noteError(error) {
      lastErrorCode = classify(error).code;
    },
    isAvailable: () => !disposed && outage === undefined && client.status === 'ready',
    dispose() {
      disposed = true;
      client.off('ready', onReady);
      client.off('close', onClose);
      client.off('end', onClose);
      const error = unavailable('disconnected', 'CLOSED');
      for (const waiter of waiters) waiter.reject(error);
      waiters.clear();
    },
  };
}
