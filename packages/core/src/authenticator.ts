import type { Clock } from './clock.ts';
import { ConfigError } from './errors.ts';
import type { AttacheEvent } from './events.ts';
import type { Challenge } from './www-authenticate.ts';

/**
 * What an authenticator learns about the call it is attaching credentials to.
 */
export interface AuthContext {
  /** 1 for the first send, 2 for the next (retry or 401 replay), and so on. */
  readonly attempt: number;
  /** Aborts when the caller aborts or the call's deadline passes. Pass it to any network call you make. */
  readonly signal: AbortSignal;
  /** The client's clock, corrected by the offset learned from servers' `Date` headers. */
  readonly clock: Clock;
  /** True when this attempt replays a request after a 401 challenge. */
  readonly isReplay: boolean;
  /**
   * The exact body bytes that will be sent, `undefined` when there is no body, `null` when the body is a
   * stream that cannot be read ahead (signers must refuse such a request).
   */
  readonly body: Uint8Array<ArrayBuffer> | null | undefined;
  /** Emits an event to the client's `onEvent`. Never put a credential in it. */
  emit(event: AttacheEvent): void;
}

/** What `challenge()` is told about the 401 (or other challenge) response. */
export interface ChallengeContext extends AuthContext {
  /** The response's `WWW-Authenticate` challenges, parsed. */
  readonly challenges: readonly Challenge[];
}

/**
 * Attaches credentials to a request. Authenticators are run in order on every attempt (retries and the
 * 401 replay included), signers last.
 *
 * @example
 * ```ts
 * const tenantHeader: Authenticator = {
 *   name: 'tenant',
 *   authenticate: (request) => {
 *     const headers = new Headers([...request.headers]);
 *     headers.set('X-Tenant', 'acme');
 *     return new Request(request, { headers });
 *   },
 * };
 * ```
 */
export interface Authenticator {
  /** A short name for events and error messages. */
  readonly name: string;
  /**
   * True for authenticators that sign the finished request (HMAC, HTTP Message Signatures): they run after
   * every other authenticator so the signature covers the credentials the others added.
   */
  readonly signer?: boolean;
  /** Header names (any case) this authenticator puts credentials in; masked in errors and events. */
  readonly sensitiveHeaders?: readonly string[];
  /** Query parameter names this authenticator puts credentials in; masked in errors and events. */
  readonly sensitiveQuery?: readonly string[];
  /** Returns a request with credentials attached. Must not mutate the input. */
  authenticate(request: Request, context: AuthContext): Promise<Request> | Request;
  /**
   * Optional fast path with the same effect as `authenticate`: sets the credentials on the pipeline's draft of
   * the outgoing request, in place (headers, query), instead of returning a new `Request`. When every
   * authenticator of a client has it, the pipeline builds one `Request` per attempt instead of one per
   * authenticator. Must not change the draft's origin. {@link prepareRequest} turns it into `authenticate`.
   */
  prepare?(draft: RequestDraft, context: AuthContext): Promise<void> | void;
  /**
   * Called with a 401 response. Get fresh credentials and answer `'replay'` when sending the request once
   * more is worthwhile, `'fail'` otherwise. At most one replay happens per call, whatever is answered.
   */
  challenge?(
    response: Response,
    request: Request,
    context: ChallengeContext,
  ): Promise<ChallengeOutcome> | ChallengeOutcome;
}

/**
 * The outgoing request while authenticators work on it, before the pipeline builds the `Request` it sends.
 * Authenticators change `headers` and `url` (its query) in place; the body is `context.body`.
 */
export interface RequestDraft {
  /** The method, upper case for the standard ones. */
  readonly method: string;
  /** The target. Its query may change; its origin must not. */
  readonly url: URL;
  /** The headers that will be sent. */
  readonly headers: Headers;
}

/** What an authenticator answers to a challenge. */
export type ChallengeOutcome = 'replay' | 'fail';

/** Returns a copy of `request` with `headers` set (replacing existing values). Never mutates `request`. */
export function withHeaders(request: Request, headers: Readonly<Record<string, string>>): Request {
  // Copied entry by entry: msw's Node interceptor makes `new Headers(request.headers)` repeat values once a
  // request has been rebuilt a few times, and test suites are where Attaché meets msw most.
  const next = new Headers([...request.headers]);
  for (const [name, value] of Object.entries(headers)) next.set(name, value);
  return new Request(request, { headers: next });
}

/**
 * Throws when a draft no longer targets the origin of `href` (the URL it was made from), or carries
 * user:password: authenticators may change the query only. Shared by the pipeline and {@link prepareRequest}.
 */
export function checkDraftTarget(draft: RequestDraft, href: string): void {
  if (draft.url.href === href) return;
  if (draft.url.origin !== new URL(href).origin || draft.url.username !== '' || draft.url.password !== '') {
    throw new ConfigError('An authenticator moved the request to another origin; only its query may change');
  }
}

/**
 * Runs a `prepare` on a draft of `request` and returns the request rebuilt from the draft: the `authenticate`
 * of an authenticator written as a `prepare`. The caller's request and its body are left untouched when
 * `context.body` holds the bytes; only a stream body moves to the copy.
 *
 * @throws {ConfigError} when `prepare` moved the request to another origin or added user:password.
 * @example
 * ```ts
 * const tenantHeader: Authenticator = {
 *   name: 'tenant',
 *   prepare: (draft) => draft.headers.set('X-Tenant', 'acme'),
 *   authenticate: (request, context) => prepareRequest(request, context, tenantHeader.prepare!),
 * };
 * ```
 */
export async function prepareRequest(
  request: Request,
  context: AuthContext,
  prepare: (draft: RequestDraft, context: AuthContext) => Promise<void> | void,
): Promise<Request> {
  const draft: RequestDraft = {
    method: request.method,
    url: new URL(request.url),
    // Copied entry by entry: see withHeaders.
    headers: new Headers([...request.headers]),
  };
  await prepare(draft, context);
  const href = draft.url.href;
  checkDraftTarget(draft, request.url);
  if (href === request.url) {
    return context.body instanceof Uint8Array && request.body !== null
      ? new Request(request, { headers: draft.headers, body: context.body })
      : new Request(request, { headers: draft.headers });
  }
  const init: RequestInit & { duplex?: 'half' } = {
    method: request.method,
    headers: draft.headers,
    signal: request.signal,
    redirect: request.redirect,
    credentials: request.credentials,
    cache: request.cache,
    integrity: request.integrity,
    keepalive: request.keepalive,
    mode: request.mode,
    referrer: request.referrer,
    referrerPolicy: request.referrerPolicy,
  };
  if (request.body !== null) {
    if (context.body instanceof Uint8Array) init.body = context.body;
    else {
      init.body = request.body;
      init.duplex = 'half';
    }
  }
  return new Request(href, init);
}
