export type {
  AuthContext,
  Authenticator,
  ChallengeContext,
  ChallengeOutcome,
  RequestDraft,
} from './authenticator.ts';
export { prepareRequest, withHeaders } from './authenticator.ts';
export type { BasicAuthOptions } from './basic-auth.ts';
export { basicAuth } from './basic-auth.ts';
export type { BearerAuthOptions, CredentialInput } from './bearer-auth.ts';
export { bearerAuth } from './bearer-auth.ts';
export type { Clock, LearningClock } from './clock.ts';
export { createLearningClock } from './clock.ts';
export type { AttacheClient, ClientCallOptions, CreateClientOptions } from './create-client.ts';
export { createClient } from './create-client.ts';
export type { AttacheFetch, AttacheRequestInit, CallOptions, CreateFetchOptions } from './create-fetch.ts';
export { createFetch } from './create-fetch.ts';
export { raceSignal, sleep } from './deadline.ts';
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
  ChallengeHandledEvent,
  CredentialWithheldEvent,
  EventListener,
  RedirectFollowedEvent,
  RefreshFailedEvent,
  RequestEndEvent,
  RequestStartEvent,
  RetryScheduledEvent,
  TokenAcquiredEvent,
} from './events.ts';
// For sibling packages (to move to an internal entry point): one check for every credential put on the wire.
export type { HeaderValueCharset, HeaderValueOrigin } from './header-value.ts';
export { checkHeaderValue, headerValueProblem } from './header-value.ts';
export { isLoopbackHost } from './origin-policy.ts';
export type { RedactedRequest, SensitiveNames } from './redact.ts';
export { redactRequest, redactResponseHeaders, redactUrl } from './redact.ts';
export type { ResponseMeta } from './response-meta.ts';
export { getResponseMeta } from './response-meta.ts';
export { parseRetryAfter } from './retry-after.ts';
export type { RetryBudgetOptions, RetryOptions } from './retry-policy.ts';
export type { SecretInput } from './secret.ts';
export { revealSecret, Secret, secret } from './secret.ts';
export type { StandardSchemaV1 } from './standard-schema.ts';
export * from './token/index.ts';
export type { Transport } from './transport.ts';
export { globalFetchTransport } from './transport.ts';
export type { JsonWebKeyInput, WebCryptoKey, WebCryptoKeyPair } from './web-types.ts';
export type { Challenge } from './www-authenticate.ts';
export { parseWwwAuthenticate } from './www-authenticate.ts';
