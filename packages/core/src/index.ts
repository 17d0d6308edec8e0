import './require-node.ts';

export { authenticateRequest } from './authenticate-request.ts';
export type {
  AuthContext,
  Authenticator,
  ChallengeContext,
  ChallengeOutcome,
  RequestDraft,
} from './authenticator.ts';
export type { BasicAuthOptions } from './basic-auth.ts';
export { basicAuth } from './basic-auth.ts';
export type { BearerAuthOptions, CredentialInput } from './bearer-auth.ts';
export { bearerAuth } from './bearer-auth.ts';
export type { Clock } from './clock.ts';
export type { AttacheClient, ClientCallOptions, CreateClientOptions } from './create-client.ts';
export { createClient } from './create-client.ts';
export type { AttacheFetch, AttacheRequestInit, CallOptions, CreateFetchOptions } from './create-fetch.ts';
export { createFetch } from './create-fetch.ts';
export type {
  Endpoint,
  EndpointDefinition,
  EndpointInput,
  EndpointMethod,
  EndpointOutput,
  PathParamNames,
} from './endpoint.ts';
export { defineEndpoint } from './endpoint.ts';
export type {
  AttacheErrorCode,
  AttacheErrorOptions,
  HttpErrorOptions,
  TokenAcquisitionErrorOptions,
  ValidationIssue,
} from './errors.ts';
export {
  AttacheError,
  ConfigError,
  HttpError,
  InsecureTransportError,
  InsufficientScopeError,
  isAttacheError,
  isConfigError,
  isHttpError,
  isInsecureTransportError,
  isInsufficientScopeError,
  isNetworkError,
  isOriginNotAllowedError,
  isRateLimitedError,
  isRedirectError,
  isRequestValidationError,
  isResponseValidationError,
  isTimeoutError,
  isTokenAcquisitionError,
  isUnauthorizedError,
  NetworkError,
  OriginNotAllowedError,
  RateLimitedError,
  RedirectError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
  TokenAcquisitionError,
  UnauthorizedError,
} from './errors.ts';
export type {
  AttacheEvent,
  AttacheEventListener,
  AttacheEventSource,
  AttemptEndEvent,
  AttemptStartEvent,
  ChallengeHandledEvent,
  ClientCertificateInfo,
  CredentialWithheldEvent,
  EventBase,
  MtlsAgentClosedEvent,
  MtlsCertificateNotValidEvent,
  MtlsCredentialsLoadedEvent,
  MtlsEvent,
  MtlsReloadFailedEvent,
  RedirectFollowedEvent,
  RefreshFailedEvent,
  RequestEndEvent,
  RequestStartEvent,
  RetryScheduledEvent,
  StoreAvailableEvent,
  StoreEntryRejectedEvent,
  StoreLockBypassedEvent,
  StoreUnavailableEvent,
  StoreUnavailableReason,
  TokenAcquiredEvent,
  TokenRequestEvent,
  TokenStoreEvent,
} from './events.ts';
export type { RedactedRequest } from './redact.ts';
export type { RetryBudgetOptions, RetryOptions } from './retry-policy.ts';
export type { SecretInput } from './secret.ts';
export { revealSecret, Secret, secret } from './secret.ts';
export type { StandardSchemaV1 } from './standard-schema.ts';
export * from './token/index.ts';
export type { FetchFunction, OutgoingRequest, Transport } from './transport.ts';
export { fetchTransport, globalFetchTransport } from './transport.ts';
export type { JsonWebKeyInput, WebCryptoKey, WebCryptoKeyPair } from './web-types.ts';
export type { Challenge } from './www-authenticate.ts';
