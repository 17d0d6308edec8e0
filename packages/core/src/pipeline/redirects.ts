import { RedirectError } from '../errors.ts';
import { redactUrl, SENSITIVE_HEADERS } from '../redact.ts';
import type { Call } from './call.ts';
import type { PipelineConfig } from './config.ts';
import type { Hop } from './hop.ts';
import { gateHop, mayFollowWithTransport } from './origin-gate.ts';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

/** Frees the connection of a response that will not be returned. Not awaited: a teed body settles late. */
export function discard(response: Response): void {
  if (response.bodyUsed || response.body === null) return;
  response.body.cancel().catch(() => {
    // Already errored or locked: nothing to free.
  });
}

function refuse(response: Response, message: string, call: Call): never {
  discard(response);
  throw new RedirectError(message, { request: call.snapshot() });
}

/**
 * Parses a `Location` against the hop's URL. Nothing of the raw value reaches the error, its message or a
 * cause: it may carry a credential.
 */
function target(location: string, hop: Hop, response: Response, call: Call): URL {
  // Header values arrive as Latin-1: a Location sent in UTF-8 is read as fetch reads it, not as mojibake.
  const text = new TextDecoder().decode(Uint8Array.from(location, (c) => c.charCodeAt(0)));
  let next: URL;
  try {
    next = new URL(text, hop.url);
  } catch {
    return refuse(response, `Redirect (${response.status}) to a Location that is not a URL`, call);
  }
  if (next.username !== '' || next.password !== '') {
    refuse(response, `Redirect (${response.status}) to a Location with user:password refused`, call);
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    refuse(response, `Redirect to a ${next.protocol} URL refused`, call);
  }
  if (hop.url.protocol === 'https:' && next.protocol === 'http:') {
    refuse(response, `Redirect from https to http (${next.host}) refused`, call);
  }
  return next;
}

/**
 * The caller's headers for a hop at another origin: their own credential headers dropped (`Authorization`,
 * `Proxy-Authorization` and `Cookie` are among {@link SENSITIVE_HEADERS}).
 */
function crossOriginHeaders(config: PipelineConfig, headers: Headers, next: URL): Headers {
  const kept = new Headers(headers);
  for (const name of config.sensitive.headers) kept.delete(name);
  for (const name of SENSITIVE_HEADERS) kept.delete(name);
  // A partner that repeats the query in its Location would hand a query credential to the new origin.
  if (config.sensitive.query.size > 0 && next.search) {
    const params = new URLSearchParams(next.search);
    for (const name of [...params.keys()])
      if (config.sensitive.query.has(name.toLowerCase())) params.delete(name);
    next.search = params.toString();
  }
  return kept;
}

/**
 * The redirect stage: the next hop a response leads to, or `undefined` when the response is the answer (not a
 * redirect, redirects followed by the platform, the caller's `redirect: 'manual'`, or a transport that must not
 * be pointed at the target). 303 (and 301/302 after POST) become GET without a body; 307/308 keep it.
 *
 * @throws {RedirectError} for too many hops, a bad or credential-carrying `Location`, https → http, a stream
 *   body that a 307/308 would need again, or the caller's `redirect: 'error'`.
 */
export function redirectStage(
  config: PipelineConfig,
  call: Call,
  hop: Hop,
  response: Response,
): Hop | undefined {
  if (!config.manualRedirects || !REDIRECT_STATUSES.has(response.status) || call.redirect === 'manual') {
    return undefined;
  }
  const location = response.headers.get('location');
  if (location === null) return undefined;
  const status = response.status;
  if (call.redirect === 'error')
    refuse(response, `Redirect (${status}) refused: the request set redirect: 'error'`, call);
  if (hop.index >= config.maxRedirects)
    refuse(response, `Too many redirects (more than ${config.maxRedirects})`, call);
  const next = target(location, hop, response, call);
  if (!mayFollowWithTransport(config, next)) return undefined;
  const crossOrigin = next.origin !== hop.url.origin;
  let headers = crossOrigin ? crossOriginHeaders(config, hop.headers, next) : hop.headers;
  let method = hop.method;
  let body = hop.body;
  if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
    method = 'GET';
    body = undefined;
    headers = new Headers(headers);
    for (const name of BODY_HEADERS) headers.delete(name);
  } else if (body === null) {
    refuse(response, `A ${status} redirect needs the body again, but the body is a stream`, call);
  }
  if (config.listening) {
    config.emit({
      type: 'redirect:followed',
      status,
      from: redactUrl(hop.url, config.sensitive),
      to: redactUrl(next, config.sensitive),
      credentialsDropped: crossOrigin,
    });
  }
  discard(response);
  // Once withheld, always: an origin outside the allow-list must not choose the URL, method and body of a
  // request that carries credentials to an allowed one (as fetch never puts back an Authorization it dropped).
  const access = hop.access === 'withheld' ? 'withheld' : gateHop(config, next, false, call.snapshot);
  return { url: next, method, headers, body, access, index: hop.index + 1 };
}
