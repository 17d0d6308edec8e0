import type { AttacheEventListener } from '@attache/core';
import { callListener } from '@attache/core/internal';
import type { MtlsEvent } from './mtls-events.ts';

/** The transport's listeners: its `onEvent` option and those of the clients it was given to. */
export interface TransportListeners {
  emit(event: MtlsEvent): void;
  subscribe(listener: AttacheEventListener): () => void;
}

export function createTransportListeners(
  option: ((event: MtlsEvent) => void) | undefined,
): TransportListeners {
  const listeners = new Set<(event: MtlsEvent) => void>();
  if (option) listeners.add(option);
  return {
    emit(event) {
      // A faulty listener must not break a request or a reload.
      for (const each of listeners) callListener(each, event);
    },
    subscribe(added) {
      // A listener of every event also takes this transport's; each is called once however often it is added.
      const wrapped = listeners.has(added) ? undefined : added;
      if (wrapped !== undefined) listeners.add(wrapped);
      return () => {
        if (wrapped !== undefined) listeners.delete(wrapped);
      };
    },
  };
}
