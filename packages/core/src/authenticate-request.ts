import {
  type AuthContext,
  type Authenticator,
  attachAll,
  inSignerOrder,
  type RequestDraft,
} from './authenticator.ts';
import { createLearningClock } from './clock.ts';
import { ConfigError } from './errors.ts';

/**
 * Runs authenticators outside the pipeline, on a `Request` you hold (a proxy, a test, a hand-written client),
 * and returns a copy with their credentials attached. The body is read from a clone, so `request` is left as
 * it was. Signers run last, as in the pipeline.
 *
 * @param context Overrides of the context the authenticators see. Default: attempt 1, the request's signal,
 *   an unskewed clock, no events.
 * @throws {ConfigError} when an authenticator moved the request to another origin.
 * @example
 * ```ts
 * const signed = await authenticateRequest(hmacAuth({ keyId, key }), new Request(url, { method: 'POST', body }));
 * ```
 */
export async function authenticateRequest(
  auth: Authenticator | readonly Authenticator[],
  request: Request,
  context: Partial<AuthContext> = {},
): Promise<Request> {
  const list = Array.isArray(auth) ? (auth as readonly Authenticator[]) : [auth as Authenticator];
  if (!list.every((a) => typeof a?.attach === 'function')) {
    throw new ConfigError('authenticateRequest: auth must be an authenticator or a list of them');
  }
  const ordered = inSignerOrder(list);
  const body = request.body === null ? undefined : new Uint8Array(await request.clone().arrayBuffer());
  const draft: RequestDraft = {
    method: request.method,
    url: new URL(request.url),
    // Entry by entry, so nothing but the header values themselves is carried over.
    headers: new Headers([...request.headers]),
    body,
  };
  const full: AuthContext = {
    attempt: 1,
    signal: request.signal,
    clock: createLearningClock(),
    isReplay: false,
    emit: () => {},
    ...context,
  };
  await attachAll(ordered, draft, full);
  return new Request(draft.url, {
    method: request.method,
    headers: draft.headers,
    signal: request.signal,
    redirect: request.redirect,
    credentials: request.credentials,
    cache: request.cache,
    integrity: request.integrity,
    keepalive: request.keepalive,
    mode: request.mode,
    referrerPolicy: request.referrerPolicy,
    ...(body === undefined ? {} : { body }),
  });
}
