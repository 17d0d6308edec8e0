import './require-node.ts';

export type { ApiKeyGuardOptions, ApiKeyLocation } from './api-key-guard.ts';
export type {
  BearerGuardDpopOptions,
  BearerGuardOptions,
  RemoteAuthorizationServer,
} from './bearer-guard.ts';
export type { ClientAuthMethod, MockClient } from './client-authentication.ts';
export { accessTokenHash } from './dpop-proof.ts';
export type {
  CreateFaultsOptions,
  FailNextOptions,
  FaultCalls,
  FaultMatch,
  FaultOptions,
  Faults,
} from './faults.ts';
export { createFaults } from './faults.ts';
export type { PartnerGuardName } from './guard-result.ts';
export type {
  AccessTokenCheck,
  AccessTokenClaims,
  AuthorizationServerCalls,
  IssuedToken,
  IssueTokenOptions,
  MockAuthorizationServer,
  MockAuthorizationServerOptions,
  MockDpopOptions,
  VerifyAccessTokenOptions,
} from './mock-authorization-server.ts';
export { mockAuthorizationServer } from './mock-authorization-server.ts';
export type {
  MockPartnerApi,
  MockPartnerApiOptions,
  PartnerApiCalls,
  PartnerCall,
  PartnerGuards,
  PartnerPrincipal,
  PartnerRequestInfo,
  PartnerRoute,
  PartnerRouteResolver,
} from './mock-partner-api.ts';
export { mockPartnerApi } from './mock-partner-api.ts';
export type { HandlerSource, MswTransportOptions } from './msw-transport.ts';
export { mswTransport } from './msw-transport.ts';
export type { OAuthErrorCode, TokenRejection } from './oauth-error.ts';
