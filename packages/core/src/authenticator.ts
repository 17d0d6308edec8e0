import type { Clock } from './clock.ts';
import { raceSignal } from './deadline.ts';
import { ConfigError } from './errors.ts';
import type { AttacheEvent } from './events.ts';
import type { Challenge } from './www-authenticate.ts';

/**
 * What an authenticator learns about the call it is attaching credentials to.
 */
export interface AuthContext {
  /** 1 for the first send, 2 for the next (retry or 401 replay), and so on. Redirect hops keep the number. */
  readonly attempt: number;
  /** Aborts when the caller aborts or the call's deadline passes. Pass it to any network call you make. */
  readonly signal: AbortSignal;
  /** The client's clock, corrected by the offset learned from servers' `Date` headers. */
  readonly clock: Clock;
  /** True when this attempt replays a request after a 401 challenge. */
  readonly isReplay: boolean;
  /** The connected account the call acts for (the `account` call option), when it names one. */
  readonly account?: string | undefined;
  /** Emits an event to the client's `onEvent`. Never put a credential in it. */
  emit(event: AttacheEvent): void;
  /**
   * The `callId` of the call's events, present only when the client has an `onEvent` listener. Lets an
   * instrumentation find the span or log context it started for this call (e.g. to inject `traceparent`).
   */
  readonly callId?: string;
}

/** What `challenge()` is told about the 401 (or other challenge) response. */
export interface ChallengeContext extends AuthContext {
  /** The response's `WWW-Authenticate` challenges, parsed. */
  readonly challenges: readonly Challenge[];
}

/**
 * The pipeline's draft of one hop while authenticators work on it. Authenticators change `headers` and the
 * query of `url` in place; the method, the origin and the body are fixed.
 */
export interface RequestDraft {
  /** The method, upper case for the standard ones. */
  readonly method: string;
  /** The target. Its query may change; its origin must not. */
  readonly url: URL;
  /** The headers that will be sent. */
  readonly headers: Headers;
  /**
   * The exact body bytes that will be sent, `undefined` when there is no body, `null` when the body is a
   * stream that cannot be read ahead (signers must refuse such a request).
   */
  readonly body: Uint8Array<ArrayBuffer> | null | undefined;
}

/** What an authenticator answers to a challenge. */
export type ChallengeOutcome = 'replay' | 'fail';

/**
 * Attaches credentials to the pipeline's draft of each hop. Authenticators run in order on every attempt
 * (retries and the 401 replay included), signers last.
 *
 * @example
 * ```ts
 * const tenantHeader: Authenticator = {
 *   name: 'tenant',
 *   attach: (draft) => draft.headers.set('X-Tenant', 'acme'),
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
  /**
   * Statuses besides 401 with which this authenticator's partner rejects credentials (AWS answers a bad or
   * skewed signature with 403). Such a response from a hop this authenticator attached to goes to its
   * `challenge`, under the same one-replay rule. Default none.
   */
  readonly challengeStatuses?: readonly number[];
  /**
   * Writes credentials onto the draft, in place (headers, query). Synchronous when it can be: a promise is
   * awaited within the call's deadline. Must not move the draft to another origin.
   */
  attach(draft: RequestDraft, context: AuthContext): Promise<void> | void;
  /**
   * Called with a 401 from a hop this authenticator attached to, with the draft as it was sent. Get fresh
   * credentials and answer `'replay'` when sending that hop once more is worthwhile, `'fail'` otherwise. At
   * most one replay happens per call, whatever is answered.
   */
  challenge?(
    response: Response,
    sent: RequestDraft,
    context: ChallengeContext,
  ): Promise<ChallengeOutcome> | ChallengeOutcome;
}

/**
 * Throws when a draft no longer targets the origin of `href` (the URL it was made from), or carries
 * user:password: authenticators may change the query only.
 */
export function checkDraftTarget(draft: RequestDraft, href: string): void {
  if (draft.url.href === href) return;
  if (draft.url.origin !== new URL(href).origin || draft.url.username !== '' || draft.url.password !== '') {
    throw new ConfigError('An authenticator moved the request to another origin; only its query may change');
  }
}

/**
 * Runs authenticators on `draft` in order (see {@link inSignerOrder}), each `attach` awaited only when it
 * returns a promise (raced against `race` when given); returns a promise only when one was asynchronous.
 */
export function attachAll(
  authenticators: readonly Authenticator[],
  draft: RequestDraft,
  context: AuthContext,
  race?: AbortSignal,
  from = 0,
): Promise<void> | undefined {
  const href = draft.url.href;
  for (let i = from; i < authenticators.length; i++) {
    const pending = authenticators[i]!.attach(draft, context);
    if (pending instanceof Promise) {
      return (race === undefined ? pending : raceSignal(pending, race)).then(() => {
        checkDraftTarget(draft, href);
        return attachAll(authenticators, draft, context, race, i + 1);
      });
    }
    checkDraftTarget(draft, href);
  }
  return undefined;
}

/** The authenticators in the order they run: signers after every other one, each group in its given order. */
export function inSignerOrder(list: readonly Authenticator[]): readonly Authenticator[] {
  return [...list.filter((a) => !a.signer), ...list.filter((a) => a.signer)];
}
