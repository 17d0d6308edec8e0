import type { AttacheEventListener, AttacheEventSource } from './events.ts';

/**
 * `{ subscribe }` passing listeners on to `target` when it is an {@link AttacheEventSource} (a Redis token
 * store, a token source built on one), else `{}`. Spread into an object that holds `target`, it makes that
 * object an event source too, so a client given it subscribes its listener to `target`. The listener itself is
 * handed on, so the target still calls a listener it was given several times once per event.
 */
export function forwardEvents(target: unknown): Partial<AttacheEventSource> {
  const source = target as Partial<AttacheEventSource> | null | undefined;
  const subscribe = source?.subscribe;
  if (typeof subscribe !== 'function') return {};
  return { subscribe: (listener: AttacheEventListener) => subscribe.call(source, listener) };
}
