/**
 * Attribute names: the OpenTelemetry HTTP client semantic conventions where they say something, `attache.*`
 * for what only Attaché knows. Written out rather than imported from `@opentelemetry/semantic-conventions`, so
 * the package needs nothing but `@opentelemetry/api`.
 */
export const ATTR = {
  httpRequestMethod: 'http.request.method',
  httpResponseStatusCode: 'http.response.status_code',
  httpResendCount: 'http.request.resend_count',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  urlFull: 'url.full',
  errorType: 'error.type',
  attempt: 'attache.attempt',
  attempts: 'attache.attempts',
  hop: 'attache.hop',
  sendReason: 'attache.send_reason',
  retryReason: 'attache.retry_reason',
  replay: 'attache.replay',
  authSchemes: 'attache.auth.schemes',
  credentials: 'attache.credentials',
  tokenOrigin: 'attache.token.origin',
  tokenKey: 'attache.token.key',
  tokenGrantType: 'attache.token.grant_type',
  withheldReason: 'attache.credentials.withheld_reason',
} as const;

/** The `server.address` and `server.port` of a (redacted) URL; empty when it does not parse. */
export function serverOf(url: string): { address?: string; port?: number } {
  try {
    const parsed = new URL(url);
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
    return { address: parsed.hostname, port };
  } catch {
    return {};
  }
}
