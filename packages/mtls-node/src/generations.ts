import type { buildConnector } from 'undici';
import type { LoadedCredentials } from './credentials.ts';
import { certificateInfo, validityEvent } from './mtls-events.ts';
import { createDispatcher } from './proxy.ts';
import { createObservingConnector } from './tls-connector.ts';
import type { Generation, TransportState, Trigger } from './transport-state.ts';

function createGeneration(state: TransportState, loaded: LoadedCredentials): Generation {
  const endpointTls: buildConnector.BuildOptions = { secureContext: loaded.secureContext, ...state.endpoint };
  const observer = createObservingConnector(endpointTls);
  // Through a proxy the same TLS options are used inside the CONNECT tunnel: the certificate goes to the
  // partner, never to the proxy.
  const { dispatcher: agent } = createDispatcher(
    state.proxy,
    { ...state.pool, connect: observer.connect },
    endpointTls,
  );
  let markDone = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    markDone = resolve;
  });
  const generation: Generation = {
    id: state.nextId++,
    agent,
    loaded,
    observer,
    inflight: 0,
    retired: false,
    closing: undefined,
    done,
    markDone,
  };
  state.live.add(generation);
  return generation;
}

/** Makes `loaded` the credentials of new connections; the previous generation closes once idle. */
export function install(state: TransportState, loaded: LoadedCredentials, trigger: Trigger): Generation {
  const next = createGeneration(state, loaded);
  const previous = state.current;
  state.current = next;
  if (previous !== undefined) retire(state, previous);
  state.emit({
    type: 'mtls:credentials-loaded',
    generation: next.id,
    trigger,
    certificate: certificateInfo(loaded.certificate),
  });
  const outOfValidity = validityEvent(next.id, loaded.certificate, state.now());
  if (outOfValidity !== undefined) state.emit(outOfValidity);
  return next;
}

/** Takes no new requests on `generation`; its agent closes when its last request settles. */
export function retire(state: TransportState, generation: Generation): void {
  generation.retired = true;
  if (generation.inflight === 0) void shutDown(state, generation, 'close');
}

export function shutDown(
  state: TransportState,
  generation: Generation,
  how: 'close' | 'destroy',
): Promise<void> {
  generation.retired = true;
  generation.closing ??= (how === 'close' ? generation.agent.close() : generation.agent.destroy())
    .catch(() => undefined)
    .then(() => {
      state.live.delete(generation);
      generation.markDone();
      state.emit({ type: 'mtls:agent-closed', generation: generation.id });
    });
  return generation.closing;
}
