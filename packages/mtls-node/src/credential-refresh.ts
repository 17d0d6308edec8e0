import { ConfigError } from '@attache/core';
import { fingerprint, loadCredentials } from './credentials.ts';
import { install } from './generations.ts';
import { closedError, type Generation, type TransportState, type Trigger } from './transport-state.ts';

async function reread(state: TransportState, trigger: Trigger): Promise<Generation> {
  try {
    const material = await state.source.read();
    if (state.closed) throw closedError();
    const current = state.current;
    if (current !== undefined && fingerprint(material.credentials) === current.loaded.fingerprint)
      return current;
    return install(state, loadCredentials(material, state.settings, 'mtlsTransport'), trigger);
  } catch (error) {
    const current = state.current;
    if (current !== undefined && !state.closed) {
      state.emit({
        type: 'mtls:reload-failed',
        generation: current.id,
        error:
          error instanceof Error
            ? error
            : new ConfigError('Reloading the client credentials failed', { cause: error }),
      });
      // `reload()` hears of it too; checks of its own keep going on the old credentials.
      if (trigger === 'manual') throw error;
      return current;
    }
    throw error;
  } finally {
    state.checkedAt = state.now();
    state.stale = false;
    state.loading = undefined;
  }
}

/** Re-reads the material (one check at a time) and installs it when it changed. */
export function refresh(state: TransportState, trigger: Trigger): Promise<Generation> {
  state.loading ??= reread(state, trigger);
  return state.loading;
}

/** The generation to send on: the current one, or a pending check when one is due. */
export function active(state: TransportState): Promise<Generation> | Generation {
  const current = state.current;
  if (current === undefined) return refresh(state, 'initial');
  if (!state.source.dynamic) return current;
  const due =
    state.stale || (state.reloadInterval !== false && state.now() - state.checkedAt >= state.reloadInterval);
  if (!due) return current;
  return refresh(state, state.stale ? 'rejected' : 'interval');
}
