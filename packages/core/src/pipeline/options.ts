import type { Authenticator } from '../authenticator.ts';
import type { AttacheEventListener } from '../events.ts';
import type { RetryBudgetOptions, RetryOptions } from '../retry-policy.ts';
import type { Transport } from '../transport.ts';

/**
 * Options of {@link createFetch} (and of `createClient`, which adds ky's).
 *
 * @example
 * ```ts
 * const fetch = createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: bearerAuth({ token: secret(process.env.PARTNER_TOKEN!) }),
 *   timeout: 10_000,
 *   onEvent: (event) => console.log(event.type),
 * });
 * ```
 */
export interface CreateFetchOptions {
  /**
   * Base URL for relative inputs (`fetch('orders/1')` → `${baseUrl}/orders/1`). Its origin is the default
   * allow-list for credentials.
   */
  readonly baseUrl?: string;
  /** One authenticator or several, run in order on every attempt (signers last). */
  readonly auth?: Authenticator | readonly Authenticator[];
  /**
   * Origins credentials may be sent to. Default: the origin of `baseUrl`. A request to any other origin
   * fails with `OriginNotAllowedError` before anything is sent.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Host names that may receive credentials over plain `http:` besides loopback (127.0.0.0/8, ::1,
   * localhost). Default: none.
   */
  readonly allowInsecureHosts?: readonly string[];
  /** Sends each hop. Default: the global `fetch`, looked up at call time. See {@link fetchTransport}. */
  readonly transport?: Transport;
  /**
   * One deadline in ms for the whole call: token acquisition, every attempt, every backoff wait, every
   * redirect. `false` for none. Default `30_000`.
   */
  readonly timeout?: number | false;
  /** Transient retry policy, a number of retries, or `false`. See {@link RetryOptions}. Default: 2 retries. */
  readonly retry?: RetryOptions | number | false;
  /** Retry budget shared by every call of this client, or `false` to turn it off. */
  readonly retryBudget?: RetryBudgetOptions | false;
  /**
   * Who follows redirects: `'pipeline'` (Node and edge default: manual hops, credentials dropped on a change of
   * origin, https → http refused) or `'platform'` (browser default: the browser follows and hides targets).
   */
  readonly redirects?: 'pipeline' | 'platform';
  /** Most redirect hops followed by the pipeline. Default `10`. */
  readonly maxRedirects?: number;
  /** Receives typed events. Never carries a credential. */
  readonly onEvent?: AttacheEventListener;
  /** Time source in epoch ms (for tests). Default `Date.now`. */
  readonly now?: () => number;
  /** Random source in [0, 1) for backoff jitter (for tests). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Options a single call may pass in `init` besides fetch's own; `createClient` takes the same names in its
 * per-call options.
 *
 * @example
 * ```ts
 * await fetch('orders', { method: 'POST', body, idempotencyKey: 'auto', timeout: 5_000 });
 * ```
 */
export interface CallOptions {
  /** Overrides the client's deadline for this call. */
  readonly timeout?: number | false;
  /** Overrides (merged over) the client's retry policy for this call. */
  readonly retry?: RetryOptions | number | false;
  /** `false` turns the one refresh-and-replay on 401 off for this call. Default `true`. */
  readonly retryOnUnauthorized?: boolean;
  /**
   * Sets `Idempotency-Key` so POST/PATCH may be retried: `'auto'` generates one per call and reuses it on
   * every attempt; a string is used as is.
   */
  readonly idempotencyKey?: 'auto' | (string & {});
  /**
   * The connected account (tenant) this call acts for: authenticators that serve many accounts (such as
   * `refreshTokenAuth` from `@attache/oauth-cc`) attach that account's credentials. Visible ASCII, at most
   * 256 characters.
   */
  readonly account?: string;
}

/** `RequestInit` plus {@link CallOptions}. */
export type AttacheRequestInit = RequestInit & CallOptions;

/** A function with the exact signature of `fetch`, with Attaché's pipeline behind it. */
// `Request | string | URL` is the DOM lib's `RequestInfo | URL`, spelled out for projects without the DOM lib.
export type AttacheFetch = (input: Request | string | URL, init?: AttacheRequestInit) => Promise<Response>;
