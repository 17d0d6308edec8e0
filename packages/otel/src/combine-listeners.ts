import type { AttacheEventListener } from '@attache/core';

/**
 * One listener that hands every event to each of `listeners` in order (a client has one `onEvent`). A
 * listener that throws does not keep the others from the event.
 *
 * @example
 * ```ts
 * const telemetry = attacheTelemetry();
 * createClient({ baseUrl, auth, onEvent: combineListeners(telemetry.onEvent, consoleEventLogger()) });
 * ```
 */
export function combineListeners(
  ...listeners: readonly (AttacheEventListener | undefined)[]
): AttacheEventListener {
  const list = listeners.filter((l): l is AttacheEventListener => typeof l === 'function');
  const combined: AttacheEventListener = (event) => {
    for (const listener of list) {
      try {
        listener(event);
      } catch {
        // One faulty consumer must not starve the others.
      }
    }
  };
  // Every part that notes the caller's context (`bindCall`, such as the telemetry's) keeps doing so.
  const binders = list.filter((listener) => typeof listener.bindCall === 'function');
  if (binders.length > 0) {
    combined.bindCall = (callId) => {
      for (const listener of binders) {
        try {
          listener.bindCall?.(callId);
        } catch {
          // As above.
        }
      }
    };
  }
  return combined;
}
