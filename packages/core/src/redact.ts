import { REDACTED } from './secret.ts';

/** What an error or event keeps of a request: credentials in headers and query parameters are masked. */
export interface RedactedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Names (lower case) whose values are always masked, whatever the authenticator said. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'dpop',
  'signature',
  'x-signature',
  'x-amz-security-token',
]);

/**
 * Response header names (lower case) whose values are masked in what errors keep of a response: the
 * partner's credentials for us (a session cookie, a token it hands back), which have no place in a log.
 */
export const SENSITIVE_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'set-cookie',
  'set-cookie2',
  'cookie',
  'authorization',
  'proxy-authorization',
  'authentication-info',
  'proxy-authentication-info',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-id-token',
  'x-session-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
]);

/** Query parameter names (lower case) whose values are always masked. */
export const SENSITIVE_QUERY: ReadonlySet<string> = new Set([
  'api_key',
  'apikey',
  'api-key',
  'key',
  'token',
  'access_token',
  'client_secret',
  'password',
  'signature',
  'sig',
]);

/** Extra names to mask, declared by authenticators that put credentials elsewhere. */
export interface SensitiveNames {
  readonly headers: ReadonlySet<string>;
  readonly query: ReadonlySet<string>;
}

export const NO_EXTRA_SENSITIVE: SensitiveNames = { headers: new Set(), query: new Set() };

/** Masks credential-bearing query parameters of a URL, and drops its user:password and fragment. */
export function redactUrl(url: string | URL, extra: SensitiveNames = NO_EXTRA_SENSITIVE): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unparseable url]';
  }
  // A fragment never travels, and may hold a token (`#access_token=…`, as an implicit grant hands it out).
  parsed.username = parsed.password = parsed.hash = '';
  if (parsed.search) {
    const params = new URLSearchParams(parsed.search);
    let changed = false;
    for (const name of new Set(params.keys())) {
      const lower = name.toLowerCase();
      if (SENSITIVE_QUERY.has(lower) || extra.query.has(lower)) {
        params.set(name, REDACTED);
        changed = true;
      }
    }
    if (changed) parsed.search = params.toString();
  }
  return parsed.toString();
}

/** A redacted, plain-object snapshot of a request, safe to log and to keep on errors. */
export function redactRequest(
  request: { readonly method: string; readonly url: string | URL; readonly headers: Headers },
  extra: SensitiveNames = NO_EXTRA_SENSITIVE,
): RedactedRequest {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = SENSITIVE_HEADERS.has(name) || extra.headers.has(name) ? REDACTED : value;
  });
  return { method: request.method, url: redactUrl(request.url, extra), headers };
}

/**
 * A copy of a response's headers with credential-bearing ones masked (`Set-Cookie`, `Authentication-Info`,
 * `X-Auth-Token`, `X-Access-Token`, `X-Refresh-Token`, `X-Api-Key`, `X-CSRF-Token` and the like):
 * `Set-Cookie` stays present, so the copy still says a cookie was set, but never which.
 */
export function redactResponseHeaders(headers: Headers): Headers {
  const copy = new Headers();
  // Iteration yields each Set-Cookie on its own (the one header it does not join): each is masked.
  for (const [name, value] of headers) {
    copy.append(name, SENSITIVE_RESPONSE_HEADERS.has(name) ? REDACTED : value);
  }
  return copy;
}
