import { InsecureTransportError, OriginNotAllowedError } from '../errors.ts';
import { isLoopbackHost } from '../origin-policy.ts';
import type { RedactedRequest } from '../redact.ts';
import type { PipelineConfig } from './config.ts';

/**
 * The origin gate of one hop: may it carry credentials? The first hop of a call to an origin outside the
 * allow-list is refused before anything is sent; a later (redirect) hop there is sent without credentials.
 * Credentials never travel over plain http except to loopback or named hosts.
 *
 * @returns `credentials` when the authenticators run for this hop, `withheld` when its origin is outside the
 *   allow-list (a redirect hop: sent without credentials), `plain` when there is nothing to attach.
 * @throws {OriginNotAllowedError} for a first hop outside the allow-list.
 * @throws {InsecureTransportError} for credentials over plain http to another host.
 */
export function gateHop(
  config: PipelineConfig,
  url: URL,
  firstHop: boolean,
  snapshot: () => RedactedRequest,
): HopAccess {
  if (config.enforceOrigins && !config.allowed.has(url.origin)) {
    if (firstHop) {
      config.emit({ type: 'credential:withheld', origin: url.origin, reason: 'origin-not-allowed' });
      throw new OriginNotAllowedError(url.origin, { request: snapshot() });
    }
    config.emit({ type: 'credential:withheld', origin: url.origin, reason: 'redirect' });
    return 'withheld';
  }
  if (config.authenticators.length === 0) return 'plain';
  if (url.protocol !== 'https:' && !isInsecureAllowed(config, url)) {
    throw new InsecureTransportError(url.host, { request: snapshot() });
  }
  return 'credentials';
}

/** What a hop may carry: see {@link gateHop}. */
export type HopAccess = 'credentials' | 'plain' | 'withheld';

function isInsecureAllowed(config: PipelineConfig, url: URL): boolean {
  return url.protocol === 'http:' && (isLoopbackHost(url.hostname) || config.insecureHosts.has(url.hostname));
}

/**
 * Whether a redirect to `url` may be followed with this client's transport: one that presents credentials
 * itself (a client certificate) is never pointed at an origin outside the allow-list.
 */
export function mayFollowWithTransport(config: PipelineConfig, url: URL): boolean {
  if (config.transport.presentsCredentials !== true || config.allowed.has(url.origin)) return true;
  config.emit({ type: 'credential:withheld', origin: url.origin, reason: 'redirect-not-followed' });
  return false;
}
