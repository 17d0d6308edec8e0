export { withHeaders } from './authenticator.ts';
export type { AuthContext, Authenticator, ChallengeContext, ChallengeOutcome } from './authenticator.ts';
export { createLearningClock } from './clock.ts';
export type { Clock, LearningClock } from './clock.ts';
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
  AttacheErrorCode,
  AttacheErrorOptions,
  HttpErrorOptions,
  TokenAcquisitionErrorOptions,
  ValidationIssue,
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
export { redactRequest, redactUrl } from './redact.ts';
export type { RedactedRequest } from './redact.ts';
export { revealSecret, Secret, secret } from './secret.ts';
export type { SecretInput } from './secret.ts';
export { globalFetchTransport } from './transport.ts';
export type { Transport } from './transport.ts';
export { parseWwwAuthenticate } from './www-authenticate.ts';
export type { Challenge } from './www-authenticate.ts';
