import { ConfigError } from '@attache/core';
import type { HmacVerified, HmacVerifierOptions } from '@attache/hmac';
import type { JWTPayload } from 'jose';
import { http, type RequestHandler } from 'msw';
import {
  type ApiKeyGuard,
  type ApiKeyGuardOptions,
  checkApiKey,
  checkApiKeyKeys,
  createApiKeyGuard,
} from './api-key-guard.ts';
import { type BearerGuard, type BearerGuardOptions, createBearerGuard } from './bearer-guard.ts';
import { checkFaults, createFaults, type Faults, serveWithFaults } from './faults.ts';
import type { PartnerGuardName } from './guard-result.ts';
import { createHmacGuard, type HmacGuard } from './hmac-guard.ts';
import type { AccessTokenClaims } from './mock-authorization-server.ts';

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

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ROUTE_KEY = /^(\*|[A-Z]+) (\/\S*)$/;

function fail(message: string): never {
  throw new ConfigError(`mockPartnerApi: ${message}`);
}

interface Route {
  readonly key: string;
  readonly method: (typeof METHODS)[number] | '*';
  readonly path: string;
  readonly scopes: readonly string[];
  readonly public: boolean;
  readonly respond: PartnerRouteResolver;
}

function checkRoutes(routes: unknown, hasBearer: boolean): Route[] {
  if (typeof routes !== 'object' || routes === null)
    fail('routes must be an object of routes by "METHOD /path"');
  return Object.entries(routes).map(([key, value]) => {
    const match = ROUTE_KEY.exec(key);
    const method = match?.[1];
    if (
      !match ||
      method === undefined ||
      (method !== '*' && !(METHODS as readonly string[]).includes(method))
    ) {
      fail(`routes key ${JSON.stringify(key)} must be "METHOD /path", e.g. "GET /orders/:id"`);
    }
    const route: PartnerRoute | undefined =
      typeof value === 'function' ? { respond: value as PartnerRouteResolver } : (value as PartnerRoute);
    if (typeof route !== 'object' || route === null || typeof route.respond !== 'function') {
      fail(`routes[${JSON.stringify(key)}] must be a function or { respond }`);
    }
    const scopes = route.scopes ?? [];
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && scope.length > 0)) {
      fail(`routes[${JSON.stringify(key)}].scopes must be a list of non-empty strings`);
    }
    if (scopes.length > 0 && !hasBearer) fail(`routes[${JSON.stringify(key)}].scopes needs guards.bearer`);
    return {
      key,
      method: method as Route['method'],
      path: match[2] as string,
      scopes,
      public: route.public === true,
      respond: route.respond,
    };
  });
}

function toResponse(result: unknown): Response {
  if (result instanceof Response) return result;
  if (result === undefined) return new Response(null, { status: 204 });
  return Response.json(result);
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
  const { baseUrl } = options;
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) fail('baseUrl must be an absolute URL');
  const parsedBase = new URL(baseUrl);
  if (parsedBase.protocol !== 'https:' && parsedBase.protocol !== 'http:')
    fail('baseUrl must be an http(s) URL');
  if (parsedBase.search !== '' || parsedBase.hash !== '') fail('baseUrl must have no query or fragment');
  const base = `${parsedBase.origin}${parsedBase.pathname.replace(/\/$/, '')}`;

  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function');
  if (options.now !== undefined && options.faults !== undefined) {
    fail('pass now to createFaults() when you pass faults: the API uses the faults clock');
  }
  const faults =
    options.faults === undefined
      ? createFaults(options.now === undefined ? {} : { now: options.now })
      : checkFaults(options.faults, 'mockPartnerApi');

  const guards = options.guards ?? {};
  if (typeof guards !== 'object' || guards === null) fail('guards must be an object');
  let apiKeyGuard: ApiKeyGuard | undefined;
  let initialKeys: readonly string[] = [];
  if (guards.apiKey !== undefined) {
    apiKeyGuard = createApiKeyGuard(guards.apiKey);
    initialKeys = checkApiKeyKeys(guards.apiKey.keys);
  }
  let apiKeys = initialKeys;
  const bearerGuard: BearerGuard | undefined =
    guards.bearer === undefined ? undefined : createBearerGuard(guards.bearer, parsedBase.host);
  const hmacGuard: HmacGuard | undefined =
    guards.hmac === undefined ? undefined : createHmacGuard(guards.hmac, () => faults.now());

  const routes =
    options.routes === undefined
      ? [{ key: '* /*', method: '*', path: '/*', scopes: [], public: false, respond: echo } satisfies Route]
      : checkRoutes(options.routes, bearerGuard !== undefined);

  const counts = { total: 0, accepted: 0, rejected: 0, faulted: 0 };
  const requests: PartnerCall[] = [];

  function echo({ request, principal }: PartnerRequestInfo): unknown {
    const token = principal.token as { client_id?: unknown } | undefined;
    return {
      ok: true,
      method: request.method,
      path: new URL(request.url).pathname,
      clientId: typeof token?.client_id === 'string' ? token.client_id : null,
      keyId: principal.signature?.keyId ?? null,
    };
  }

  async function answer(
    request: Request,
    params: PartnerRequestInfo['params'],
    route: Route,
  ): Promise<Response | undefined> {
    counts.total++;
    const record = (call: Omit<PartnerCall, 'method' | 'url' | 'route'>): void => {
      requests.push({ method: request.method, url: loggedUrl(request.url), route: route.key, ...call });
    };
    let recorded = false;
    const response = await serveWithFaults(faults, request, async () => {
      let principal: PartnerPrincipal = { apiKey: undefined, token: undefined, signature: undefined };
      if (!route.public) {
        const now = faults.now();
        if (apiKeyGuard !== undefined) {
          const result = checkApiKey(request, apiKeyGuard, apiKeys);
          if (!result.ok) return refuse(result);
          principal = { ...principal, apiKey: result.key };
        }
        if (bearerGuard !== undefined) {
          const result = await bearerGuard.check(request, now, route.scopes);
          if (!result.ok) return refuse(result);
          principal = { ...principal, token: result.claims };
        }
        if (hmacGuard !== undefined) {
          const result = await hmacGuard.check(request);
          if (!result.ok) return refuse(result);
          principal = { ...principal, signature: result.signature };
        }
      }
      counts.accepted++;
      const response = toResponse(await route.respond({ request, params, principal }));
      const clientId = (principal.token as { client_id?: unknown } | undefined)?.client_id;
      record({
        status: response.status,
        outcome: 'accepted',
        rejectedBy: undefined,
        reason: undefined,
        clientId: typeof clientId === 'string' ? clientId : undefined,
        keyId: principal.signature?.keyId,
      });
      recorded = true;
      return response;
    });
    if (!recorded) {
      counts.faulted++;
      record({
        status: response?.status ?? 0,
        outcome: 'faulted',
        rejectedBy: undefined,
        reason: undefined,
        clientId: undefined,
        keyId: undefined,
      });
    }
    return response;

    function refuse(rejection: {
      readonly guard: PartnerGuardName;
      readonly reason: string;
      readonly response: Response;
    }): Response {
      counts.rejected++;
      record({
        status: rejection.response.status,
        outcome: 'rejected',
        rejectedBy: rejection.guard,
        reason: rejection.reason,
        clientId: undefined,
        keyId: undefined,
      });
      recorded = true;
      return rejection.response;
    }
  }

  /** The URL as logged: an API key in the query is masked, as Attaché masks credentials everywhere. */
  const loggedUrl = (url: string): string => {
    if (apiKeyGuard?.in !== 'query') return url;
    const parsed = new URL(url);
    if (!parsed.searchParams.has(apiKeyGuard.name)) return url;
    parsed.searchParams.set(apiKeyGuard.name, '[redacted]');
    return parsed.href;
  };

  const underBase = (url: string): boolean => {
    const { origin, pathname } = new URL(url);
    const path = `${origin}${pathname}`;
    return path === base || path.startsWith(`${base}/`);
  };

  const handlers: RequestHandler[] = routes.map((route) => {
    if (route.key === '* /*' && options.routes === undefined) {
      return http.all(
        ({ request }) => underBase(request.url),
        ({ request }) => answer(request, {}, route),
      );
    }
    const url = `${base}${route.path}`;
    const method =
      route.method === '*' ? 'all' : (route.method.toLowerCase() as Lowercase<(typeof METHODS)[number]>);
    return http[method](url, ({ request, params }) => answer(request, params, route));
  });

  return {
    handlers,
    baseUrl: base,
    calls: {
      get total() {
        return counts.total;
      },
      get accepted() {
        return counts.accepted;
      },
      get rejected() {
        return counts.rejected;
      },
      get faulted() {
        return counts.faulted;
      },
    },
    requests,
    faults,
    get dpopNonce() {
      return bearerGuard?.dpopNonce;
    },
    setApiKeys(keys) {
      if (apiKeyGuard === undefined) fail('setApiKeys needs guards.apiKey');
      apiKeys = checkApiKeyKeys(keys, 'setApiKeys(keys)');
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
      requests.length = 0;
      apiKeys = initialKeys;
      bearerGuard?.reset();
      hmacGuard?.reset();
      faults.reset();
    },
  };
}
