import { ConfigError, type CredentialInput } from '@attache/core';
import * as grant from './assertion-grant-auth.ts';

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const URI = /^[a-z][a-z0-9+.-]*:\S+$/i;

/**
 * Options of {@link tokenExchangeAuth}.
 *
 * @example
 * ```ts
 * const options: TokenExchangeAuthOptions = {
 *   tokenEndpoint: 'https://sts.example/oauth/token',
 *   clientId: 'orders-service',
 *   clientSecret: secret(process.env.STS_CLIENT_SECRET!),
 *   subjectToken: () => incomingAccessToken(),
 *   audience: 'https://api.partner.example',
 * };
 * ```
 */
export interface TokenExchangeAuthOptions extends grant.AssertionGrantOptions {
  /** The token to exchange: a value, or a provider read for every token request (RFC 8693 `subject_token`). */
  readonly subjectToken: CredentialInput;
  /** Its type URI. Default `urn:ietf:params:oauth:token-type:access_token`. */
  readonly subjectTokenType?: string;
  /** A token for the party acting on the subject's behalf (`actor_token`), for delegation. */
  readonly actorToken?: CredentialInput;
  /** Its type URI. Default `urn:ietf:params:oauth:token-type:access_token` when `actorToken` is given. */
  readonly actorTokenType?: string;
  /** The type of token wanted (`requested_token_type`). Default: the server's choice. */
  readonly requestedTokenType?: string;
}

function tokenType(value: unknown, field: string): string {
  if (value === undefined) return ACCESS_TOKEN;
  if (typeof value !== 'string' || !URI.test(value))
    throw new ConfigError(`tokenExchangeAuth: ${field} must be a URI`);
  return value;
}

/**
 * OAuth 2.0 Token Exchange (RFC 8693): trades a token the service holds (its own, a user's, a platform's
 * workload token) for one scoped to a partner (`audience`, `resource`, `scope`). The subject token is read
 * from its provider for every token request, so a rotating platform token is always current. Tokens are
 * cached, refreshed ahead of expiry and shared by concurrent calls, as with client credentials.
 *
 * @throws {ConfigError} synchronously, for invalid options.
 * @example
 * ```ts
 * createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: tokenExchangeAuth({ tokenEndpoint, clientId, clientSecret, subjectToken: () => platformToken(), audience: 'partner' }),
 * });
 * ```
 */
export function tokenExchangeAuth(options: TokenExchangeAuthOptions): grant.GrantAuth {
  const who = 'tokenExchangeAuth';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${who}: options must be an object`);
  const subject = grant.checkProvider(options.subjectToken, `${who}: subjectToken`);
  const actor =
    options.actorToken === undefined
      ? undefined
      : grant.checkProvider(options.actorToken, `${who}: actorToken`);
  const subjectType = tokenType(options.subjectTokenType, 'subjectTokenType');
  const actorType = tokenType(options.actorTokenType, 'actorTokenType');
  const requested =
    options.requestedTokenType === undefined
      ? undefined
      : tokenType(options.requestedTokenType, 'requestedTokenType');
  return grant.createAssertionGrantAuth(
    options,
    who,
    'urn:ietf:params:oauth:grant-type:token-exchange',
    async () => {
      const params: [string, string][] = [
        ['subject_token', await grant.readProvided(subject, `${who}: subjectToken`)],
        ['subject_token_type', subjectType],
      ];
      if (actor !== undefined) {
        params.push(
          ['actor_token', await grant.readProvided(actor, `${who}: actorToken`)],
          ['actor_token_type', actorType],
        );
      }
      if (requested !== undefined) params.push(['requested_token_type', requested]);
      return params;
    },
  );
}
