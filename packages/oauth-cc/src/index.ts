import './require-node.ts';

export type { AssertionGrantOptions, GrantAuth, GrantTokenSourceOptions } from './assertion-grant-auth.ts';
export type { AuthorizationServerMetadata } from './authorization-server-metadata.ts';
export type { AssertionAudience } from './client-assertion.ts';
export type {
  ClientAuthentication,
  ClientAuthenticationMethod,
  ClientAuthenticationRequest,
} from './client-authentication.ts';
export type {
  ClientCredentialsAuth,
  ClientCredentialsAuthOptions,
  ClientCredentialsTokenSourceOptions,
} from './client-credentials-auth.ts';
export { clientCredentialsAuth } from './client-credentials-auth.ts';
export { clientSecretBasic } from './client-secret-basic.ts';
export type { ClientSecretJwtAlgorithm, ClientSecretJwtOptions } from './client-secret-jwt.ts';
export { clientSecretJwt } from './client-secret-jwt.ts';
export { clientSecretPost } from './client-secret-post.ts';
export type { DiscoverOptions } from './discover.ts';
export { discover } from './discover.ts';
export type { DiscoveryFailure } from './discovery-error.ts';
export { DiscoveryError, isDiscoveryError } from './discovery-error.ts';
export type { DpopOptions } from './dpop.ts';
export { formUrlEncode } from './form-urlencode.ts';
export type { GrantClientOptions } from './grant-client.ts';
export type { JwtBearerAuthOptions } from './jwt-bearer-auth.ts';
export { jwtBearerAuth } from './jwt-bearer-auth.ts';
export type { PrivateKeyAlgorithm, PrivateKeyInput } from './private-key.ts';
export type { PrivateKeyJwtOptions } from './private-key-jwt.ts';
export { privateKeyJwt } from './private-key-jwt.ts';
export { publicClient } from './public-client.ts';
export { ReconnectRequiredError } from './reconnect-required-error.ts';
export type {
  ConnectedTokens,
  RefreshTokenAuth,
  RefreshTokenAuthOptions,
  RefreshTokenSourceOptions,
} from './refresh-token-auth.ts';
export { refreshTokenAuth } from './refresh-token-auth.ts';
export { selfSignedTlsClientAuth, tlsClientAuth } from './tls-client-auth.ts';
export type { TokenEndpointRetryOptions } from './token-endpoint-retry.ts';
export type { TokenExchangeAuthOptions } from './token-exchange-auth.ts';
export { tokenExchangeAuth } from './token-exchange-auth.ts';
