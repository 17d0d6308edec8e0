import { type FetchToken, TokenAcquisitionError } from '@attache/core';
import { basicAuthorization, requestToken } from './oauth.ts';

/**
 * A `fetchToken` for core's `createTokenSource`: a client credentials request with `client_secret_basic`,
 * the answer mapped onto a `TokenResponse`. Enough to drive the mocks through the pipeline in tests.
 */
export function clientSecretBasic(
  tokenEndpoint: string,
  clientId: string,
  clientSecret: string,
  params: Readonly<Record<string, string>> = {},
): FetchToken {
  return async () => {
    const response = await requestToken(tokenEndpoint, {
      headers: { authorization: basicAuthorization(clientId, clientSecret) },
      params,
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      throw new TokenAcquisitionError(`token endpoint answered ${response.status}`, {
        status: response.status,
        error: typeof body.error === 'string' ? body.error : undefined,
      });
    }
    return {
      accessToken: String(body.access_token),
      tokenType: String(body.token_type),
      expiresIn: body.expires_in as number | undefined,
      refreshIn: body.refresh_in as number | undefined,
      serverDate: response.headers.get('date'),
    };
  };
}
