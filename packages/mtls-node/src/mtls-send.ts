import type { OutgoingRequest } from '@attache/core';
import { raceSignal } from '@attache/core/internal';
import { classifyFailure } from './classify-failure.ts';
import { active } from './credential-refresh.ts';
import { dispatchExchange } from './dispatch-exchange.ts';
import { shutDown } from './generations.ts';
import { snapshotOf } from './node-transport.ts';
import { proxyCertificateRejection } from './proxy-certificate-rejection.ts';
import { TlsError, type TlsErrorReason } from './tls-error.ts';
import { closedError, type Generation, type TransportState } from './transport-state.ts';

/** Reasons that say the server did not accept our certificate: worth re-reading the material early. */
const CLIENT_CERTIFICATE_REASONS: ReadonlySet<TlsErrorReason> = new Set([
  'client-certificate-required',
  'client-certificate-rejected',
  'certificate-expired',
  'certificate-not-yet-valid',
]);

/** Explains a failed exchange on `chosen`'s connections, and marks the material stale when it was refused. */
function explain(
  state: TransportState,
  chosen: Generation,
  outgoing: OutgoingRequest,
  error: unknown,
): Error {
  const url = new URL(outgoing.url);
  const failure = classifyFailure(error, {
    host: url.host,
    hostname: state.servername ?? url.hostname.replace(/^\[|\]$/g, ''),
    request: snapshotOf(outgoing.method, url),
    certificate: chosen.loaded.certificate,
    hasClientCertificate: chosen.loaded.hasClientCertificate,
    now: state.now(),
    observedTlsError: chosen.observer.observedTlsError,
    phaseOf: chosen.observer.phaseOf,
  });
  if (
    failure instanceof TlsError &&
    CLIENT_CERTIFICATE_REASONS.has(failure.reason) &&
    chosen === state.current
  ) {
    // The certificate may have been rotated on disk or in the provider since the last check.
    state.stale = true;
  }
  return failure;
}

/** Sends one hop on the current generation's connections, counting it in flight there. */
export async function send(state: TransportState, outgoing: OutgoingRequest): Promise<Response> {
  if (state.closed) throw closedError();
  const signal = outgoing.signal;
  const pending = active(state);
  let generation =
    pending instanceof Promise ? await (signal ? raceSignal(pending, signal) : pending) : pending;
  if (state.closed) throw closedError();
  // A reload may have replaced (and begun closing) this generation while the request waited for it.
  if (generation.retired && state.current !== undefined) generation = state.current;
  generation.inflight++;
  const chosen = generation;
  try {
    // The same exchange as nodeTransport's: aborts reject with the signal's reason, untouched.
    const answer = await dispatchExchange(chosen.agent, outgoing, (error) =>
      explain(state, chosen, outgoing, error),
    );
    // A TLS-terminating proxy (nginx) answers a missing or refused client certificate with HTTP 400.
    const url = new URL(outgoing.url);
    const refused = await proxyCertificateRejection(answer, {
      ...chosen.loaded,
      host: url.host,
      request: snapshotOf(outgoing.method, url),
      now: state.now(),
    });
    if (refused === undefined) return answer;
    if (chosen === state.current) state.stale = true;
    throw refused;
  } finally {
    chosen.inflight--;
    if (chosen.retired && chosen.inflight === 0) void shutDown(state, chosen, 'close');
  }
}
