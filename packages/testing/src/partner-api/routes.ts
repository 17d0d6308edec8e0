import { ConfigError } from '@attache/core';
import type { PartnerRequestInfo, PartnerRoute, PartnerRouteResolver } from '../mock-partner-api.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ROUTE_KEY = /^(\*|[A-Z]+) (\/\S*)$/;

export type RouteMethod = Lowercase<(typeof METHODS)[number]> | 'all';

/** A route of the `routes` option, checked. */
export interface Route {
  /** The key as given, e.g. `'GET /orders/:id'`: what the call log names. */
  readonly key: string;
  /** The msw handler that serves it. */
  readonly method: RouteMethod;
  readonly path: string;
  readonly scopes: readonly string[];
  readonly public: boolean;
  readonly respond: PartnerRouteResolver;
}

export function fail(message: string): never {
  throw new ConfigError(`mockPartnerApi: ${message}`);
}

/** The route an API without `routes` has: anything under `baseUrl`, answered with who was let in. */
export const ECHO_ROUTE: Route = {
  key: '* /*',
  method: 'all',
  path: '/*',
  scopes: [],
  public: false,
  respond: echo,
};

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

/** Checks the `routes` option: keys are `"METHOD /path"`, values a resolver or `{ respond, scopes, public }`. */
export function checkRoutes(routes: unknown, hasBearer: boolean): Route[] {
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
      method: method === '*' ? 'all' : (method.toLowerCase() as RouteMethod),
      path: match[2] as string,
      scopes,
      public: route.public === true,
      respond: route.respond,
    };
  });
}

/** What a resolver returned, as a response: a `Response` as is, `undefined` as 204, anything else as JSON. */
export function toResponse(result: unknown): Response {
  if (result instanceof Response) return result;
  if (result === undefined) return new Response(null, { status: 204 });
  return Response.json(result);
}
