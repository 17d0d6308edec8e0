import { ConfigError, type CredentialInput } from '@attache/core';
import {
  type AssertionGrantOptions,
  checkProvider,
  createAssertionGrantAuth,
  type GrantAuth,
  readProvided,
} from './assertion-grant-auth.ts';

/**
 * Options of {@link jwtBearerAuth}.
 *
 * @example
 * ```ts
 * const options: JwtBearerAuthOptions = {
 *   tokenEndpoint: 'https://auth.partner.example/oauth/token',
 *   clientId: 'ci-runner',
 *   clientAuthentication: publicClient(),
 *   assertion: () => readFile('/var/run/secrets/tokens/partner', 'utf8'),
 * };
 * ```
 */
export interface JwtBearerAuthOptions extends AssertionGrantOptions {
  /**
   * The signed JWT to present (RFC 7523 §2.1 `assertion`): a value, or a provider read for every token
   * request, such as a platform's workload identity token (a Kubernetes projected service-account token,
   * a CI job's OIDC token) re-read as it rotates.
   */
  readonly assertion: CredentialInput;
}

/**
 * The JWT bearer grant (RFC 7523 §2.1): presents a signed assertion (issued by a platform the authorization
 * server trusts, or signed by you) instead of a client secret. The assertion is read from its provider for
 * every token request. Tokens are cached, refreshed ahead of expiry and shared by concurrent calls, as with
 * client credentials. Use `publicClient()` as `clientAuthentication` when the assertion is the only
 * credential.
 *
 * @throws {ConfigError} synchronously, for invalid options.
 * @example
 * ```ts
 * createFetch({ baseUrl, auth: jwtBearerAuth({ tokenEndpoint, clientId, clientAuthentication: publicClient(), assertion }) });
 * ```
 */
export function jwtBearerAuth(options: JwtBearerAuthOptions): GrantAuth {
  const who = 'jwtBearerAuth';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${who}: options must be an object`);
  const assertion = checkProvider(options.assertion, `${who}: assertion`);
  return createAssertionGrantAuth(options, who, 'urn:ietf:params:oauth:grant-type:jwt-bearer', async () => [
    ['assertion', await readProvided(assertion, `${who}: assertion`)],
  ]);
}
