import { ConfigError } from './errors.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';

/** HTTP methods a typed endpoint may use. */
export type EndpointMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** The `:name` segments of a path, as a union of names. */
export type PathParamNames<Path extends string> = Path extends `${string}:${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? Name | PathParamNames<`/${Tail}`>
    : Rest
  : never;

/**
 * What {@link defineEndpoint} takes. Schemas are any Standard Schema (zod 4, valibot, arktype …).
 */
export interface EndpointDefinition<
  Method extends EndpointMethod = EndpointMethod,
  Path extends string = string,
  Params extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  Query extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  Body extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  Output extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
> {
  readonly method: Method;
  /** Relative to the client's `baseUrl`, with `:name` placeholders: `/orders/:id`. */
  readonly path: Path;
  /** Schema for the path parameters. Without it, each `:name` takes a string or number. */
  readonly params?: Params;
  /** Schema for the query parameters. */
  readonly query?: Query;
  /** Schema for the JSON body. */
  readonly body?: Body;
  /** Schema for the JSON response. Without it the response is `undefined` (e.g. 204). */
  readonly response?: Output;
}

/** A typed endpoint, made by {@link defineEndpoint} and called with `client.call(endpoint, input)`. */
export interface Endpoint<
  Method extends EndpointMethod = EndpointMethod,
  Path extends string = string,
  Params extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  Query extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  Body extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  Output extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
> extends EndpointDefinition<Method, Path, Params, Query, Body, Output> {
  readonly kind: 'attache.endpoint';
}

/** The input `client.call` takes for an endpoint: `params`, `query` and `body`, each only when it applies. */
export type EndpointInput<E> =
  E extends Endpoint<infer _M, infer Path, infer Params, infer Query, infer Body, infer _O>
    ? (Params extends StandardSchemaV1
        ? { readonly params: StandardSchemaV1.InferInput<Params> }
        : [PathParamNames<Path>] extends [never]
          ? { readonly params?: undefined }
          : { readonly params: { readonly [K in PathParamNames<Path>]: string | number } }) &
        (Query extends StandardSchemaV1
          ? { readonly query: StandardSchemaV1.InferInput<Query> }
          : { readonly query?: undefined }) &
        (Body extends StandardSchemaV1
          ? { readonly body: StandardSchemaV1.InferInput<Body> }
          : { readonly body?: undefined })
    : never;

/** The parsed response type of an endpoint. */
export type EndpointOutput<E> =
  E extends Endpoint<infer _M, infer _P, infer _Pa, infer _Q, infer _B, infer Output>
    ? Output extends StandardSchemaV1
      ? StandardSchemaV1.InferOutput<Output>
      : undefined
    : never;

function isSchema(value: unknown): value is StandardSchemaV1 {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { '~standard'?: { validate?: unknown } })['~standard']?.validate === 'function'
  );
}

/**
 * Declares a typed endpoint: its method, path, and Standard Schemas for params, query, body and response.
 * `client.call(endpoint, input)` validates the input, sends the request and returns the parsed response.
 *
 * @throws {ConfigError} when the method, path or a schema is invalid.
 * @example
 * ```ts
 * const getOrder = defineEndpoint({
 *   method: 'GET',
 *   path: '/orders/:id',
 *   response: z.object({ id: z.string(), total: z.number() }),
 * });
 * const order = await client.call(getOrder, { params: { id: '42' } }); // { id: string; total: number }
 * ```
 */
export function defineEndpoint<
  const Method extends EndpointMethod,
  const Path extends string,
  Params extends StandardSchemaV1 | undefined = undefined,
  Query extends StandardSchemaV1 | undefined = undefined,
  Body extends StandardSchemaV1 | undefined = undefined,
  Output extends StandardSchemaV1 | undefined = undefined,
>(
  definition: EndpointDefinition<Method, Path, Params, Query, Body, Output>,
): Endpoint<Method, Path, Params, Query, Body, Output> {
  const methods: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
  if (!methods.includes(definition?.method)) {
    throw new ConfigError(
      `defineEndpoint: method must be one of ${methods.join(', ')}, got ${String(definition?.method)}`,
    );
  }
  if (
    typeof definition.path !== 'string' ||
    definition.path.length === 0 ||
    /^[a-z][a-z0-9+.-]*:\/\//i.test(definition.path)
  ) {
    throw new ConfigError('defineEndpoint: path must be a non-empty path relative to the client baseUrl');
  }
  for (const field of ['params', 'query', 'body', 'response'] as const) {
    const schema = definition[field];
    if (schema !== undefined && !isSchema(schema)) {
      throw new ConfigError(`defineEndpoint: ${field} must be a Standard Schema (zod 4, valibot, arktype …)`);
    }
  }
  return { ...definition, kind: 'attache.endpoint' };
}
