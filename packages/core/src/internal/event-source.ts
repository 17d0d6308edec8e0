import type { AttacheEventListener } from '../events.ts';
import { callListener } from './checks.ts';

/** Listeners of something outside a call (a transport, a token store): its own option and its clients'. */
export interface EventSourceListeners<E> {
  emit(event: E): void;
  subscribe(listener: AttacheEventListener): () => void;
}

/**
 * The listener set behind an `AttacheEventSource`: a faulty listener never breaks the operation that
 * emitted, and each listener is called once however often it is added (several clients sharing one listener
 * and one source, or the same listener given as the source's own `onEvent` too); only the call that added a
 * listener removes it.
 */
export function createEventSource<E>(option: ((event: E) => void) | undefined): EventSourceListeners<E> {
  const listeners = new Set<(event: E) => void>();
  if (option !== undefined) listeners.add(option);
  return {
    emit(event) {
      for (const each of listeners) callListener(each, event);
    },
    subscribe(added) {
      const owned = listeners.has(added as (event: E) => void) ? undefined : (added as (event: E) => void);
      if (owned !== undefined) listeners.add(owned);
      return () => {
        if (owned !== undefined) listeners.delete(owned);
      };
    },
  };
}
