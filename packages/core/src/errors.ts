import { type RedactedRequest, redactResponseHeaders } from './redact.ts';

const BRAND = Symbol.for('attache.error');

/** Every `code` an {@link AttacheError} can carry. Branch on it, or use `instanceof` for the subclass fields. */
export type AttacheErrorCode =
  | 'HTTP_ERROR'
  | 'UNAUTHORIZED'
  | 'INSUFFICIENT_SCOPE'
  | 'RATE_LIMITED'
  | 'TOKEN_ACQUISITION'
  | 'ORIGIN_NOT_ALLOWED'
  | 'INSECURE_TRANSPORT'
  | 'REDIRECT'
  | 'RESPONSE_VALIDATION'
  | 'REQUEST_VALIDATION'
  | 'CONFIG'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'TLS';

/** Options every Attaché error accepts. */
export interface AttacheErrorOptions {
  /** The underlying error, kept for debugging. */
  readonly cause?: unknown;
  /** A redacted snapshot of the request that failed. */
  readonly request?: RedactedRequest | undefined;
}

/**
 * Base class of every error Attaché throws. Carries a `code`, the `cause`, and a redacted snapshot of the
 * request: never a credential. Use {@link isAttacheError} and the `is…Error` guards rather than
 * `instanceof`, so errors from another copy of the package (two versions installed side by side, a bundle
 * and `node_modules`, another realm) are recognised too.
 */
export class AttacheError extends Error {
  override name: string = 'AttacheError';
  readonly code: AttacheErrorCode;
  /** A redacted snapshot of the request; credentials in headers and query are masked. */
  readonly request: RedactedRequest | undefined;
  /** Whether repeating the same call later may succeed. */
  readonly isRetryable: boolean;

  constructor(code: AttacheErrorCode, message: string, options: AttacheErrorOptions = {}, retryable = false) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.request = options.request;
    this.isRetryable = retryable;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any Attaché error, including those from another copy of the package. */
export function isAttacheError(value: unknown): value is AttacheError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * The check behind every `is…Error` guard: `instanceof` for this copy of the package, otherwise the
 * `Symbol.for` brand and the `code`, which another copy sets the same way. The code, not the `name`, is
 * compared because a subclass renames itself (`DiscoveryError` is a `TokenAcquisitionError`) but keeps
 * its parent's code; `name` decides only between classes that share a code. Sibling packages use it for
 * their own error classes, through `@attache/core/internal`.
 */
export function isBrandedError<T extends AttacheError>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
  codes: readonly AttacheErrorCode[],
  name?: string,
): value is T {
  if (value instanceof type) return true;
  return isAttacheError(value) && codes.includes(value.code) && (name === undefined || value.name === name);
}

/** Options of {@link HttpError} and its subclasses. */
export interface HttpErrorOptions extends AttacheErrorOptions {
  readonly response: Response;
}

// Statuses whose response cannot have a body (Fetch standard "null body status").
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The response an error keeps: its status and body, with credential-bearing headers (`Set-Cookie`, tokens
 * the partner hands back) masked, so logging the error whole never logs them. Falls back to the response
 * itself when it cannot be copied (a status `Response` cannot be built with).
 */
function keptResponse(response: Response): Response {
  try {
    const headers = redactResponseHeaders(response.headers);
    const body = NULL_BODY.has(response.status) ? null : response.body;
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  } catch {
    return response;
  }
}

/**
 * A non-2xx response, thrown by `createClient` (never by `createFetch`, which returns the response).
 * `response` is a copy of the response with credential-bearing headers (`Set-Cookie`, `Authentication-Info`,
 * `X-Auth-Token` …) masked: read its body for the partner's error details. Neither the message nor
 * `util.inspect` of the error shows the body.
 */
export class HttpError extends AttacheError {
  override name: string = 'HttpError';
  readonly status: number;
  readonly response: Response;

  constructor(
    message: string,
    options: HttpErrorOptions,
    code: AttacheErrorCode = 'HTTP_ERROR',
    retryable?: boolean,
  ) {
    const status = options.response.status;
    super(code, message, options, retryable ?? (status === 408 || status === 429 || status >= 500));
    this.status = status;
    this.response = keptResponse(options.response);
  }
}

/** 401 after the one permitted refresh-and-replay (or when replay was impossible or turned off). */
export class UnauthorizedError extends HttpError {
  override name = 'UnauthorizedError' as const;
  override readonly code = 'UNAUTHORIZED' as const;
  constructor(message: string, options: HttpErrorOptions) {
    super(message, options, 'UNAUTHORIZED', false);
  }
}

/** The token lacks a scope the resource needs (`error="insufficient_scope"`, RFC 6750 §3.1). */
export class InsufficientScopeError extends HttpError {
  override name = 'InsufficientScopeError' as const;
  override readonly code = 'INSUFFICIENT_SCOPE' as const;
  /** The scope the server asked for, when it said. */
  readonly scope: string | undefined;
  constructor(message: string, options: HttpErrorOptions & { readonly scope?: string | undefined }) {
    super(message, options, 'INSUFFICIENT_SCOPE', false);
    this.scope = options.scope;
  }
}

/** 429. `retryAfter` is the delay the server asked for, in milliseconds, when it said. */
export class RateLimitedError extends HttpError {
  override name = 'RateLimitedError' as const;
  override readonly code = 'RATE_LIMITED' as const;
  readonly retryAfter: number | undefined;
  constructor(message: string, options: HttpErrorOptions & { readonly retryAfter?: number | undefined }) {
    super(message, options, 'RATE_LIMITED', true);
    this.retryAfter = options.retryAfter;
  }
}

/** Options of {@link TokenAcquisitionError}. */
export interface TokenAcquisitionErrorOptions extends AttacheErrorOptions {
  /** RFC 6749 §5.2 `error`, e.g. `invalid_client`. */
  readonly error?: string | undefined;
  readonly errorDescription?: string | undefined;
  readonly errorUri?: string | undefined;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly status?: number | undefined;
  readonly retryable?: boolean | undefined;
  /** The token endpoint's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfter?: number | undefined;
}

/** A token could not be obtained: the token endpoint refused, failed or answered something unusable. */
export class TokenAcquisitionError extends AttacheError {
  override name: string = 'TokenAcquisitionError';
  override readonly code = 'TOKEN_ACQUISITION' as const;
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;
  readonly status: number | undefined;
  /** The token endpoint's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfter: number | undefined;
  constructor(message: string, options: TokenAcquisitionErrorOptions = {}) {
    const status = options.status;
    super(
      'TOKEN_ACQUISITION',
      message,
      options,
      options.retryable ?? (status === undefined || status === 408 || status === 429 || status >= 500),
    );
    this.error = options.error;
    this.errorDescription = options.errorDescription;
    this.errorUri = options.errorUri;
    this.status = status;
    this.retryAfter = options.retryAfter;
  }
}

/** The request's origin is not on the client's allow-list; nothing was sent. */
export class OriginNotAllowedError extends AttacheError {
  override name = 'OriginNotAllowedError' as const;
  override readonly code = 'ORIGIN_NOT_ALLOWED' as const;
  readonly origin: string;
  constructor(origin: string, options: AttacheErrorOptions = {}) {
    super(
      'ORIGIN_NOT_ALLOWED',
      `Refusing to send credentials to ${origin}: it is not on the client's allowedOrigins`,
      options,
    );
    this.origin = origin;
  }
}

/** Credentials would travel over plain `http:` to a host that is not loopback and not named as allowed. */
export class InsecureTransportError extends AttacheError {
  override name = 'InsecureTransportError' as const;
  override readonly code = 'INSECURE_TRANSPORT' as const;
  readonly host: string;
  constructor(host: string, options: AttacheErrorOptions = {}) {
    super(
      'INSECURE_TRANSPORT',
      `Refusing to send credentials over plain http to ${host}; use https, or name the host in allowInsecureHosts`,
      options,
    );
    this.host = host;
  }
}

/** A redirect could not be followed safely (https → http, a non-http(s) or invalid Location, too many hops). */
export class RedirectError extends AttacheError {
  override name = 'RedirectError' as const;
  override readonly code = 'REDIRECT' as const;
  constructor(message: string, options: AttacheErrorOptions = {}) {
    super('REDIRECT', message, options);
  }
}

/** A typed endpoint's response did not match its schema. */
export class ResponseValidationError extends AttacheError {
  override name = 'ResponseValidationError' as const;
  override readonly code = 'RESPONSE_VALIDATION' as const;
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, issues: readonly ValidationIssue[], options: AttacheErrorOptions = {}) {
    super('RESPONSE_VALIDATION', message, options);
    this.issues = issues;
  }
}

/** A typed endpoint's input (params, query or body) did not match its schema; nothing was sent. */
export class RequestValidationError extends AttacheError {
  override name = 'RequestValidationError' as const;
  override readonly code = 'REQUEST_VALIDATION' as const;
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, issues: readonly ValidationIssue[], options: AttacheErrorOptions = {}) {
    super('REQUEST_VALIDATION', message, options);
    this.issues = issues;
  }
}

/** One problem found by a schema. */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: readonly PropertyKey[] | undefined;
}

/** Invalid options given to a factory; thrown synchronously, naming the field. */
export class ConfigError extends AttacheError {
  override name = 'ConfigError' as const;
  override readonly code = 'CONFIG' as const;
  constructor(message: string, options: AttacheErrorOptions = {}) {
    super('CONFIG', message, options);
  }
}

/** The call's deadline (`timeout`) passed. Covers token acquisition, every attempt and every wait. */
export class TimeoutError extends AttacheError {
  override name = 'TimeoutError' as const;
  override readonly code = 'TIMEOUT' as const;
  constructor(message: string, options: AttacheErrorOptions = {}) {
    super('TIMEOUT', message, options, true);
  }
}

/** The request never got a response: connection refused or reset, DNS failure, socket closed. */
export class NetworkError extends AttacheError {
  override name = 'NetworkError' as const;
  override readonly code = 'NETWORK' as const;
  constructor(message: string, options: AttacheErrorOptions = {}) {
    super('NETWORK', message, options, true);
  }
}

const HTTP_CODES: readonly AttacheErrorCode[] = [
  'HTTP_ERROR',
  'UNAUTHORIZED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
];

/** True for an {@link HttpError} or one of its subclasses, from any copy of the package. */
export function isHttpError(value: unknown): value is HttpError {
  return isBrandedError(value, HttpError, HTTP_CODES);
}

/** True for an {@link UnauthorizedError}, from any copy of the package. */
export function isUnauthorizedError(value: unknown): value is UnauthorizedError {
  return isBrandedError(value, UnauthorizedError, ['UNAUTHORIZED']);
}

/** True for an {@link InsufficientScopeError}, from any copy of the package. */
export function isInsufficientScopeError(value: unknown): value is InsufficientScopeError {
  return isBrandedError(value, InsufficientScopeError, ['INSUFFICIENT_SCOPE']);
}

/** True for a {@link RateLimitedError}, from any copy of the package. */
export function isRateLimitedError(value: unknown): value is RateLimitedError {
  return isBrandedError(value, RateLimitedError, ['RATE_LIMITED']);
}

/** True for a {@link TokenAcquisitionError} or one of its subclasses, from any copy of the package. */
export function isTokenAcquisitionError(value: unknown): value is TokenAcquisitionError {
  return isBrandedError(value, TokenAcquisitionError, ['TOKEN_ACQUISITION']);
}

/** True for an {@link OriginNotAllowedError}, from any copy of the package. */
export function isOriginNotAllowedError(value: unknown): value is OriginNotAllowedError {
  return isBrandedError(value, OriginNotAllowedError, ['ORIGIN_NOT_ALLOWED']);
}

/** True for an {@link InsecureTransportError}, from any copy of the package. */
export function isInsecureTransportError(value: unknown): value is InsecureTransportError {
  return isBrandedError(value, InsecureTransportError, ['INSECURE_TRANSPORT']);
}

/** True for a {@link RedirectError}, from any copy of the package. */
export function isRedirectError(value: unknown): value is RedirectError {
  return isBrandedError(value, RedirectError, ['REDIRECT']);
}

/** True for a {@link ResponseValidationError}, from any copy of the package. */
export function isResponseValidationError(value: unknown): value is ResponseValidationError {
  return isBrandedError(value, ResponseValidationError, ['RESPONSE_VALIDATION']);
}

/** True for a {@link RequestValidationError}, from any copy of the package. */
export function isRequestValidationError(value: unknown): value is RequestValidationError {
  return isBrandedError(value, RequestValidationError, ['REQUEST_VALIDATION']);
}

/** True for a {@link ConfigError}, from any copy of the package. */
export function isConfigError(value: unknown): value is ConfigError {
  return isBrandedError(value, ConfigError, ['CONFIG']);
}

/** True for a {@link TimeoutError}, from any copy of the package. */
export function isTimeoutError(value: unknown): value is TimeoutError {
  return isBrandedError(value, TimeoutError, ['TIMEOUT']);
}

/** True for a {@link NetworkError}, from any copy of the package. */
export function isNetworkError(value: unknown): value is NetworkError {
  return isBrandedError(value, NetworkError, ['NETWORK']);
}
