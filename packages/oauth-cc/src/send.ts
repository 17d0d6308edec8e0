import {
  isAttacheError,
  NetworkError,
  type OutgoingRequest,
  TokenAcquisitionError,
  type Transport,
} from '@attache/core';

/** What oauth-cc sends to an authorization server: a document fetch or a token request. */
export interface ServerRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Headers;
  /** A form body; its content type is set when the request is sent. */
  readonly form?: URLSearchParams;
  readonly signal: AbortSignal;
  /** `manual` for token requests: a redirect would carry the client's credentials on. */
  readonly redirect: 'follow' | 'error' | 'manual';
}

function outgoing(request: ServerRequest): OutgoingRequest {
  if (request.form !== undefined) {
    request.headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  }
  return {
    url: request.url.href,
    method: request.method,
    headers: request.headers,
    body: request.form === undefined ? undefined : new TextEncoder().encode(request.form.toString()),
    signal: request.signal,
    redirect: request.redirect,
    init: {},
  };
}

/**
 * Sends one request through the transport. An abort rethrows the signal's reason; a transport failure
 * becomes a retryable `TokenAcquisitionError` (an Attaché error the transport threw, such as a `TlsError`,
 * keeps its own `isRetryable`). Messages name the URL, never the request's credentials.
 */
export async function send(transport: Transport, request: ServerRequest, what: string): Promise<Response> {
  const signal = request.signal;
  try {
    return await transport(outgoing(request));
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const cause = isAttacheError(error)
      ? error
      : new NetworkError(`Network error for ${request.method} ${safeUrl(request.url)}`, { cause: error });
    const detail = isAttacheError(error)
      ? error.message
      : error instanceof Error
        ? error.message
        : String(error);
    throw new TokenAcquisitionError(`Could not reach the ${what} ${safeUrl(request.url)}: ${detail}`, {
      cause,
      retryable: cause.isRetryable,
    });
  }
}

/** A URL for messages: no credentials, no query, no fragment. */
export function safeUrl(value: string | URL): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[invalid URL]';
  }
}

/** Describes a non-JSON body for an error message without quoting it (it may echo the request). */
export function describeBody(text: string, contentType: string | null): string {
  const trimmed = text.trimStart().slice(0, 256).toLowerCase();
  if (
    (contentType ?? '').includes('html') ||
    trimmed.startsWith('<!doctype html') ||
    trimmed.startsWith('<html')
  ) {
    return 'an HTML page';
  }
  if (text.trim().length === 0) return 'an empty body';
  return `a ${contentType === null ? 'body' : `${contentType.split(';')[0]} body`} that is not JSON`;
}

/** Parses JSON text, `undefined` when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
