import type { HmacVerified, HmacVerifierOptions } from '@attache/hmac';
import type { JWTPayload } from 'jose';
import { http, type RequestHandler } from 'msw';
import { type ApiKeyGuardOptions, checkApiKeyKeys, createApiKeyGuard } from './api-key-guard.ts';
import { type BearerGuardOptions, createBearerGuard } from './bearer-guard.ts';
import { type Faults, faultsOption } from './faults.ts';
import type { PartnerGuardName } from './guard-result.ts';
import { createHmacGuard } from './hmac-guard.ts';
import { liveCounts } from './live-counts.ts';
import type { AccessTokenClaims } from './mock-authorization-server.ts';
import { answerRoute, type PartnerState } from './partner-api/guarded-route.ts';
import { checkRoutes, ECHO_ROUTE, fail } from './partner-api/routes.ts';

/**
 * The checks a partner API makes before a route answers. Every guard given must pass (partner APIs combine
 * them: a key, a token and a signature on one request); they run in this order: `apiKey`, `bearer`, `hmac`.
 *
 * @example
 * ```ts
 * const guards: PartnerGuards = {
 *   apiKey: { keys: 'test-key' },
 *   bearer: { authorizationServer, scopes: ['orders:read'] },
 *   hmac: { keys: { 'client-42': 'shared-secret' } },
 * };
 * ```
 */
export interface PartnerGuards {
  /** An API key in a header, query parameter or cookie. */
  readonly apiKey?: ApiKeyGuardOptions;
  /** A JWT access token from an authorization server (Bearer or DPoP-bound). */
  readonly bearer?: BearerGuardOptions;
  /**
   * A signature checked by `@attache/hmac`'s `createHmacVerifier` with these options (scheme, keys,
   * tolerance, …). `now` defaults to the API's clock.
   */
  readonly hmac?: HmacVerifierOptions;
}

/** Who the guards say sent the request. */
export interface PartnerPrincipal {
  /** The API key accepted. */
  readonly apiKey: string | undefined;
  /** The access token's claims. */
  readonly token: AccessTokenClaims | JWTPayload | undefined;
  /** The verified signature (key id, algorithm, covered components). */
  readonly signature: HmacVerified | undefined;
}

/** What a route resolver is given. */
export interface PartnerRequestInfo {
  /** The request. Its body is unread. */
  readonly request: Request;
  /** Path parameters (`/orders/:id` → `params.id`). */
  readonly params: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly principal: PartnerPrincipal;
}

/**
 * Answers a request that passed the guards. Return a `Response` to send it as is, `undefined` for `204`,
 * anything else to send it as JSON with `200`. May be async.
 */
export type PartnerRouteResolver = (info: PartnerRequestInfo) => unknown;

/** A route with options. */
export interface PartnerRoute {
  /** Scopes this route needs on top of `guards.bearer.scopes`. Needs the bearer guard. */
  readonly scopes?: readonly string[];
  /** Skip every guard (a health check, a public catalogue). Default `false`. */
  readonly public?: boolean;
  readonly respond: PartnerRouteResolver;
}

/**
 * Options of {@link mockPartnerApi}.
 *
 * @example
 * ```ts
 * const options: MockPartnerApiOptions = {
 *   baseUrl: 'https://api.partner.test/v1',
 *   guards: { bearer: { authorizationServer } },
 *   routes: {
 *     'GET /orders/:id': ({ params }) => ({ id: params.id, status: 'shipped' }),
 *     'POST /orders': { scopes: ['orders:write'], respond: () => Response.json({ id: '42' }, { status: 201 }) },
 *   },
 * };
 * ```
 */
export interface MockPartnerApiOptions {
  /** Where the API lives: an absolute http(s) URL; routes are paths under it. */
  readonly baseUrl: string;
  /**
   * Routes by `'METHOD /path'` (msw path syntax: `:param`, `*`; method `*` for any). Requests under
   * `baseUrl` that match no route are left to your other handlers (or msw's unhandled-request error).
   * Default: one route answering every method and path under `baseUrl` with
   * `{ ok: true, method, path, clientId, keyId }`.
   */
  readonly routes?: Readonly<Record<string, PartnerRoute | PartnerRouteResolver>>;
  /** The checks every non-public route makes. Default: none. */
  readonly guards?: PartnerGuards;
  /** Time source, epoch ms. Default `Date.now`. Not with `faults` (whose clock is then used). */
  readonly now?: () => number;
  /** Fault injection to use, e.g. shared with the authorization server mock. Default: a new one (`api.faults`). */
  readonly faults?: Faults;
}

/** One request the API received, as recorded for assertions. */
export interface PartnerCall {
  readonly method: string;
  /** The request URL; an API key sent in the query is masked as `[redacted]`. */
  readonly url: string;
  /** The route key, e.g. `'GET /orders/:id'` (`'* /*'` for the default route). */
  readonly route: string;
  /** The status answered; `0` for an injected network error. */
  readonly status: number;
  /** Answered by the route, refused by a guard, or answered by an injected fault. */
  readonly outcome: 'accepted' | 'rejected' | 'faulted';
  /** The guard that refused it. */
  readonly rejectedBy: PartnerGuardName | undefined;
  /** Why it was refused (e.g. `invalid_token: "exp" claim timestamp check failed`, `replayed-nonce`). */
  readonly reason: string | undefined;
  /** The access token's `client_id`, when a token was accepted. */
  readonly clientId: string | undefined;
  /** The signature's key id, when a signature was accepted. */
  readonly keyId: string | undefined;
}

/** Request counts, faulted ones included. Live values. */
export interface PartnerApiCalls {
  readonly total: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly faulted: number;
}

/** A mock partner API for msw. See {@link mockPartnerApi}. */
export interface MockPartnerApi {
  /** The msw handlers: `setupServer(...api.handlers)` or `worker.use(...api.handlers)`. */
  readonly handlers: readonly RequestHandler[];
  readonly baseUrl: string;
  readonly calls: PartnerApiCalls;
  /** Every request, in the order they were answered. */
  readonly requests: readonly PartnerCall[];
  /** Fault injection for this API. */
  readonly faults: Faults;
  /** The DPoP nonce proofs must carry, when `guards.bearer.dpop.nonce` is on. */
  readonly dpopNonce: string | undefined;
  /**
   * Replaces the accepted API keys (a rotation: the old key now gets `401`).
   *
   * @throws {ConfigError} without an API key guard, or for an empty list.
   */
  setApiKeys(keys: string | readonly string[]): void;
  /**
   * Replaces the DPoP nonce and returns it.
   *
   * @throws {ConfigError} without a bearer guard.
   */
  rotateDpopNonce(): string;
  /** Forgets calls, nonces and used proofs, restores the API keys and resets the faults. */
  reset(): void;
}

/**
 * Creates a mock partner API for msw (`msw/node` or `msw/browser`) that checks credentials the way partner
 * APIs do: an API key, a JWT access token verified against the (mock) authorization server's JWKS, DPoP
 * proofs for bound tokens, and HMAC / RFC 9421 signatures through `@attache/hmac`'s real verifier. A guard's
 * refusal is the answer a real API gives (`401`/`403` with `WWW-Authenticate` for tokens), so a client's
 * refresh-and-replay runs for real. `api.faults` injects failures; `api.calls` and `api.requests` count.
 *
 * @throws {ConfigError} for invalid options, naming the field.
 * @example
 * ```ts
 * const api = mockPartnerApi({
 *   baseUrl: 'https://api.partner.test',
 *   guards: { bearer: { authorizationServer, scopes: ['orders:read'] } },
 *   routes: { 'GET /orders/:id': ({ params }) => ({ id: params.id }) },
 * });
 * const server = setupServer(...authorizationServer.handlers, ...api.handlers);
 * ```
 */
export function mockPartnerApi(options: MockPartnerApiOptions): MockPartnerApi {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { base, host } = checkBaseUrl(options.baseUrl);
  const faults = faultsOption(options, 'mockPartnerApi');

  const guards = options.guards ?? {};
  if (typeof guards !== 'object' || guards === null) fail('guards must be an object');
  const apiKeyGuard = guards.apiKey === undefined ? undefined : createApiKeyGuard(guards.apiKey);
  const initialKeys = guards.apiKey === undefined ? [] : checkApiKeyKeys(guards.apiKey.keys);
  const state: PartnerState = {
    faults,
    apiKeyGuard,
    apiKeys: initialKeys,
    bearerGuard: guards.bearer === undefined ? undefined : createBearerGuard(guards.bearer, host),
    hmacGuard: guards.hmac === undefined ? undefined : createHmacGuard(guards.hmac, () => faults.now()),
    counts: { total: 0, accepted: 0, rejected: 0, faulted: 0 },
    requests: [],
  };
  const { counts, bearerGuard } = state;

  return {
    handlers: routeHandlers(options, state, base),
    baseUrl: base,
    calls: liveCounts(counts),
    requests: state.requests,
    faults,
    get dpopNonce() {
      return bearerGuard?.dpopNonce;
    },
    setApiKeys(keys) {
      if (state.apiKeyGuard === undefined) fail('setApiKeys needs guards.apiKey');
      state.apiKeys = checkApiKeyKeys(keys, 'setApiKeys(keys)');
    },
    rotateDpopNonce() {
      if (bearerGuard === undefined) fail('rotateDpopNonce needs guards.bearer');
      return bearerGuard.rotateDpopNonce();
    },
    reset() {
      counts.total = 0;
      counts.accepted = 0;
      counts.rejected = 0;
      counts.faulted = 0;
      state.requests.length = 0;
      state.apiKeys = initialKeys;
      bearerGuard?.reset();
      state.hmacGuard?.reset();
      faults.reset();
    },
  };
}

/** `baseUrl` without a trailing slash, and its host (what a DPoP proof's `htu` is compared with). */
function checkBaseUrl(baseUrl: unknown): { readonly base: string; readonly host: string } {
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) fail('baseUrl must be an absolute URL');
  const parsed = new URL(baseUrl);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') fail('baseUrl must be an http(s) URL');
  if (parsed.search !== '' || parsed.hash !== '') fail('baseUrl must have no query or fragment');
  return { base: `${parsed.origin}${parsed.pathname.replace(/\/$/, '')}`, host: parsed.host };
}

/** One msw handler per route; without `routes`, one that answers anything under `baseUrl`. */
function routeHandlers(options: MockPartnerApiOptions, state: PartnerState, base: string): RequestHandler[] {
  if (options.routes === undefined) {
    const underBase = ({ request }: { request: Request }): boolean => {
      const { origin, pathname } = new URL(request.url);
      const path = `${origin}${pathname}`;
      return path === base || path.startsWith(`${base}/`);
    };
    return [http.all(underBase, ({ request }) => answerRoute(state, ECHO_ROUTE, request, {}))];
  }
  return checkRoutes(options.routes, state.bearerGuard !== undefined).map((route) =>
    http[route.method](`${base}${route.path}`, ({ request, params }) =>
      answerRoute(state, route, request, params),
    ),
  );
}
