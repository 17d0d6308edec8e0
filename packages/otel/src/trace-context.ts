import type { Authenticator } from '@attache/core';
import {
  context as contextApi,
  propagation,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { parentOf, type TelemetryState } from './telemetry-state.ts';

const headerSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** The authenticator that writes the open request span's trace context onto each request. */
export function traceContextAuth(
  state: TelemetryState,
  propagator: TextMapPropagator | undefined,
): Authenticator {
  return {
    name: 'trace-context',
    attach(draft, context) {
      const parent = parentOf(state, context.callId) ?? contextApi.active();
      if (propagator === undefined) propagation.inject(parent, draft.headers, headerSetter);
      else propagator.inject(parent, draft.headers, headerSetter);
    },
  };
}
