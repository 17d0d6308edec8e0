import { createEventSource, type EventSourceListeners } from '@attache/core/internal';
import type { MtlsEvent } from './mtls-events.ts';

/** The transport's listeners: its `onEvent` option and those of the clients it was given to. */
export type TransportListeners = EventSourceListeners<MtlsEvent>;

/** A faulty listener never breaks a request or a reload; each is called once however often it is added. */
export function createTransportListeners(
  option: ((event: MtlsEvent) => void) | undefined,
): TransportListeners {
  return createEventSource(option);
}
