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
  return (event) => {
    for (const listener of list) {
      try {
        listener(event);
      } catch {
        // One faulty consumer must not starve the others.
      }
    }
  };
}
