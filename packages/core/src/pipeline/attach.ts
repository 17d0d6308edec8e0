import { type AuthContext, attachAll, type RequestDraft } from '../authenticator.ts';
import type { PipelineConfig } from './config.ts';
import type { Hop } from './hop.ts';

/**
 * The attach stage: a fresh draft of the hop, and every authenticator writing onto it in order, signers last
 * (only when the hop passed the origin gate). Returns a promise only when an authenticator was asynchronous,
 * each raced against the call's deadline.
 */
export function attachStage(
  config: PipelineConfig,
  hop: Hop,
  context: AuthContext,
): RequestDraft | Promise<RequestDraft> {
  if (hop.access !== 'credentials') {
    // Nothing writes onto it: the hop's own objects are sent as they are.
    return { method: hop.method, url: hop.url, headers: hop.headers, body: hop.body };
  }
  const draft: RequestDraft = {
    method: hop.method,
    // From the serialized form: parsing a string costs less than copying a URL object.
    url: new URL(hop.url.href),
    headers: new Headers(hop.headers),
    body: hop.body,
  };
  const pending = attachAll(config.authenticators, draft, context, context.signal);
  return pending === undefined ? draft : pending.then(() => draft);
}
