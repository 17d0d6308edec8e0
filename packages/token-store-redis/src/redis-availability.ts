import type { RedisTokenStoreEvent, StoreUnavailableReason } from './store-events.ts';
import { classify, type StoreUnavailableError, unavailable } from './store-unavailable-error.ts';

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

/** What the guard knows about one client's connection. */
interface GuardState extends AvailabilityOptions {
  readonly client: ConnectionEvents;
  outage: Outage | undefined;
  disposed: boolean;
  lastErrorCode: string | undefined;
  /** Commands waiting for the first connection or a reconnection under way. */
  readonly waiters: Set<Waiter>;
}

function unavailableEvent(reason: StoreUnavailableReason, code: string | undefined): RedisTokenStoreEvent {
  return code === undefined
    ? { type: 'store:unavailable', store: 'redis', reason }
    : { type: 'store:unavailable', store: 'redis', reason, code };
}

function markDown(state: GuardState, reason: StoreUnavailableReason, code?: string): void {
  const t = Date.now();
  if (state.outage !== undefined) {
    state.outage.recheckAt = t + state.recheckInterval;
    return;
  }
  state.outage = { since: t, recheckAt: t + state.recheckInterval };
  state.emit(unavailableEvent(reason, code));
}

function markUp(state: GuardState): void {
  if (state.outage === undefined) return;
  const unavailableMs = Date.now() - state.outage.since;
  state.outage = undefined;
  state.emit({ type: 'store:available', store: 'redis', unavailableMs });
}

function rejectWaiters(state: GuardState, error: StoreUnavailableError): void {
  for (const waiter of state.waiters) waiter.reject(error);
  state.waiters.clear();
}

function onReady(state: GuardState): void {
  for (const waiter of state.waiters) waiter.resolve();
  state.waiters.clear();
  markUp(state);
}

function onClose(state: GuardState): void {
  markDown(state, 'disconnected', state.lastErrorCode);
  state.lastErrorCode = undefined;
  rejectWaiters(state, unavailable('disconnected'));
}

/** Waits for the first connection (or a reconnection that is under way) within `ms`. */
function waitReady(state: GuardState, ms: number): Promise<void> {
  const client = state.client;
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(unavailable('disconnected'));
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      state.waiters.delete(waiter);
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
    state.waiters.add(waiter);
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

async function run<T>(state: GuardState, command: () => Promise<T>): Promise<T> {
  if (state.disposed) throw unavailable('disconnected', 'CLOSED');
  const status = state.client.status;
  if (state.outage !== undefined && (status !== 'ready' || Date.now() < state.outage.recheckAt)) {
    // Known to be down: answer at once, so a caller never waits on an outage it cannot change.
    throw unavailable(status === 'ready' ? 'timeout' : 'disconnected');
  }
  const started = Date.now();
  try {
    await waitReady(state, state.operationTimeout);
    // Nothing is sent while disconnected, so no command sits in a queue to run after the outage.
    const pending = command();
    pending.catch(() => undefined);
    const result = await withTimeout(pending, state.operationTimeout - (Date.now() - started));
    markUp(state);
    return result;
  } catch (error) {
    if (state.disposed) throw unavailable('disconnected', 'CLOSED');
    const { reason, code } = classify(error);
    // Redis is up but refused this command: report it, keep using Redis.
    if (reason === 'command-failed') state.emit(unavailableEvent(reason, code));
    else markDown(state, reason, code);
    throw unavailable(reason, code);
  }
}

export function createAvailability(client: ConnectionEvents, options: AvailabilityOptions): Availability {
  const state: GuardState = {
    client,
    operationTimeout: options.operationTimeout,
    recheckInterval: options.recheckInterval,
    emit: options.emit,
    outage: undefined,
    disposed: false,
    lastErrorCode: undefined,
    waiters: new Set(),
  };
  const ready = (): void => onReady(state);
  const closed = (): void => onClose(state);
  client.on('ready', ready);
  client.on('close', closed);
  client.on('end', closed);
  return {
    run: (command) => run(state, command),
    noteError(error) {
      state.lastErrorCode = classify(error).code;
    },
    isAvailable: () => !state.disposed && state.outage === undefined && client.status === 'ready',
    dispose() {
      state.disposed = true;
      client.off('ready', ready);
      client.off('close', closed);
      client.off('end', closed);
      rejectWaiters(state, unavailable('disconnected', 'CLOSED'));
    },
  };
}
