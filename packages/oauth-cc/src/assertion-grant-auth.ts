import {
  type Authenticator,
  ConfigError,
  type CredentialInput,
  createTokenSource,
  type FetchTokenContext,
  type TokenSource,
  type TokenSourceOptions,
  tokenAuth,
  tokenCacheKey,
} from '@attache/core';
import { readCredential } from '@attache/core/internal';
import { createGrantClient, type GrantClientOptions } from './grant-client.ts';
import { list, resources, scopes } from './grant-params.ts';

/** Token source settings a grant authenticator passes on to `createTokenSource`. */
export type GrantTokenSourceOptions = Omit<TokenSourceOptions, 'now' | 'onEvent'>;

/** What every grant that presents a token (an assertion, a subject token) shares. */
export interface AssertionGrantOptions extends GrantClientOptions {
  /** Scopes to request: a space-separated string or a list. Default: none (the server's default). */
  readonly scope?: string | readonly string[];
  /** `audience` parameter(s): the service the new token is for. */
  readonly audience?: string | readonly string[];
  /** RFC 8707 resource indicator(s): absolute URIs without fragment. */
  readonly resource?: string | readonly string[];
  /**
   * Token source settings (`expirySkew`, `store`, `fetchTimeout`, `key`, …): see `createTokenSource`.
   * Default `key`: the token endpoint, client id, grant, scope, audience and resource.
   */
  readonly tokenSource?: GrantTokenSourceOptions;
  /** Time source in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** The authenticator's name in events. */
  readonly name?: string;
}

/** An authenticator for a token grant, with its token source. */
export interface GrantAuth extends Authenticator {
  /** The token source: `source.get()` gives the current token. */
  readonly source: TokenSource;
}

/** Reads a provider's current value: a non-empty string, or a `ConfigError` naming the field (never the value). */
export async function readProvided(input: CredentialInput, field: string): Promise<string> {
  let value: unknown;
  try {
    value = await readCredential(input);
  } catch (cause) {
    throw new ConfigError(`${field} could not be read`, { cause });
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${field} must give a non-empty string or Secret`);
  }
  return value;
}

/** Checks a provider option given to a grant: a non-empty value or a function. */
export function checkProvider(input: unknown, field: string): CredentialInput {
  if (typeof input === 'function') return input as CredentialInput;
  const value = typeof input === 'string' ? input : (input as { reveal?: () => unknown } | null)?.reveal?.();
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${field} must be a non-empty string, a Secret, or a function returning one`);
  }
  return input as CredentialInput;
}

/**
 * A token-grant authenticator: the grant's parameters are computed for each token request (a fresh
 * assertion, the current subject token), and the token source gives single flight, refresh ahead of
 * expiry, back-off and one refresh-and-replay on 401, as for client credentials.
 */
export function createAssertionGrantAuth(
  options: AssertionGrantOptions,
  who: string,
  grantType: string,
  grantParams: (context: FetchTokenContext) => Promise<readonly (readonly [string, string])[]>,
): GrantAuth {
  const client = createGrantClient(options, who);
  const scope = scopes(options.scope, who);
  const audience = list(options.audience, 'audience', who);
  const resource = resources(options.resource, who);
  const sourceOptions = options.tokenSource ?? {};
  if (typeof sourceOptions !== 'object' || sourceOptions === null) {
    throw new ConfigError(`${who}: tokenSource must be an object`);
  }
  const name = options.name ?? who;
  const fixed: [string, string][] = [['grant_type', grantType]];
  if (scope.length > 0) fixed.push(['scope', scope.join(' ')]);
  for (const value of audience) fixed.push(['audience', value]);
  for (const value of resource) fixed.push(['resource', value]);
  const key =
    sourceOptions.key ??
    `${tokenCacheKey({ tokenEndpoint: client.endpointId, clientId: client.clientId, scope, audience, resource })}#grant=${grantType}`;
  const fetchTimeout = sourceOptions.fetchTimeout ?? 30_000;
  const source = createTokenSource(
    async (context) => client.request(context, [...fixed, ...(await grantParams(context))], fetchTimeout),
    {
      ...sourceOptions,
      key,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    },
  );
  const inner = tokenAuth({ source, name });
  return { ...inner, name, source, attach: inner.attach.bind(inner) };
}
