import { isAttacheError, NetworkError, TokenAcquisitionError, type Transport } from '@attache/core';

/**
 * Sends one request through the transport. An abort rethrows the signal's reason; a transport failure
 * becomes a retryable `TokenAcquisitionError` (an Attaché error the transport threw, such as a `TlsError`,
 * keeps its own `isRetryable`). Messages name the URL, never the request's credentials.
 */
export async function send(
  transport: Transport,
  request: Request,
  signal: AbortSignal,
  what: string,
): Promise<Response> {
  try {
    return await transport(request);
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
