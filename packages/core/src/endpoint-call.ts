import type { KyInstance, Options as KyOptions } from 'ky';
import type { Endpoint, EndpointInput, EndpointOutput } from './endpoint.ts';
import {
  ConfigError,
  RequestValidationError,
  ResponseValidationError,
  type ValidationIssue,
} from './errors.ts';
import { describeIssues, type StandardSchemaV1, validateWithSchema } from './standard-schema.ts';

function fillPath(path: string, params: Readonly<Record<string, unknown>> | undefined): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null || value === '') {
      throw new RequestValidationError(`Missing path parameter "${name}" for ${path}`, [
        { message: 'Required', path: ['params', name] },
      ]);
    }
    return encodeURIComponent(String(value));
  });
}

async function validated(
  schema: StandardSchemaV1 | undefined,
  value: unknown,
  field: 'params' | 'query' | 'body',
): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await validateWithSchema(schema, value);
  if ('issues' in result) {
    const issues: ValidationIssue[] = result.issues.map((issue) => ({
      message: issue.message,
      path: [field, ...(issue.path ?? [])],
    }));
    throw new RequestValidationError(`Invalid ${field}: ${describeIssues(issues)}`, issues);
  }
  return result.value;
}

/** The response body parsed as JSON and checked against the endpoint's response schema. */
async function parsedResponse(
  endpoint: Endpoint,
  schema: StandardSchemaV1,
  response: Response,
): Promise<unknown> {
  const text = await response.text();
  let data: unknown;
  try {
    data = text.length === 0 ? undefined : JSON.parse(text);
  } catch (cause) {
    throw new ResponseValidationError(
      `${endpoint.method} ${endpoint.path}: the response is not JSON`,
      [{ message: 'Expected a JSON body' }],
      { cause },
    );
  }
  const result = await validateWithSchema(schema, data);
  if ('issues' in result) {
    throw new ResponseValidationError(
      `${endpoint.method} ${endpoint.path}: the response does not match its schema: ${describeIssues(result.issues)}`,
      result.issues,
    );
  }
  return result.value;
}

/**
 * `client.call(endpoint, input)`: validates `input` against the endpoint's schemas, sends it through the
 * client's ky instance, and returns the response parsed by the endpoint's response schema.
 */
export async function callEndpoint<E extends Endpoint>(
  instance: KyInstance,
  endpoint: E,
  input: EndpointInput<E>,
  callOptions: KyOptions,
): Promise<EndpointOutput<E>> {
  if (endpoint?.kind !== 'attache.endpoint')
    throw new ConfigError('call: the first argument must come from defineEndpoint');
  const given = (input ?? {}) as { params?: Record<string, unknown>; query?: unknown; body?: unknown };
  const params = (await validated(endpoint.params, given.params, 'params')) as
    | Record<string, unknown>
    | undefined;
  const query = await validated(endpoint.query, given.query, 'query');
  const body = await validated(endpoint.body, given.body, 'body');
  const path = fillPath(endpoint.path, params).replace(/^\/+/, '');
  const response = await instance(path, {
    ...callOptions,
    method: endpoint.method,
    ...(query === undefined ? {} : { searchParams: query as KyOptions['searchParams'] }),
    ...(body === undefined ? {} : { json: body }),
  });
  if (endpoint.response === undefined) {
    await response.body?.cancel();
    return undefined as EndpointOutput<E>;
  }
  return (await parsedResponse(endpoint, endpoint.response, response)) as EndpointOutput<E>;
}
