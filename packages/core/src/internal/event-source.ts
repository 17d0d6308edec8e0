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
 * and one source, or the same listener given as the source's own `onEvent` too). Subscriptions are counted:
 * a listener stays until every subscription that added it was removed (each remover works once); the
 * source's own option stays for good.
 */
export function createEventSource<E>(option: ((event: E) => void) | undefined): EventSourceListeners<E> {
  const subscriptions = new Map<(event: E) => void, number>();
  if (option !== undefined) subscriptions.set(option, Number.POSITIVE_INFINITY);
  return {
    emit(event) {
      for (const each of subscriptions.keys()) callListener(each, event);
    },
    subscribe(added) {
      const listener = added as (event: E) => void;
      subscriptions.set(listener, (subscriptions.get(listener) ?? 0) + 1);
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        const left = (subscriptions.get(listener) ?? 1) - 1;
        if (left > 0) subscriptions.set(listener, left);
        else subscriptions.delete(listener);
      };
    },
  };
}
