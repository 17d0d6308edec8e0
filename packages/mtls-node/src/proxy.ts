import { ConfigError, revealSecret, Secret } from '@attache/core';
import { Agent, type buildConnector, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from 'undici';

/**
 * Where a transport's requests go through: `'env'` reads `HTTPS_PROXY` / `HTTP_PROXY` (and their lower-case
 * forms) when the transport is created, and honours `NO_PROXY`; a URL (`http://proxy.corp:3128`, credentials in
 * it allowed, best wrapped in `secret()`) sends every request through that proxy.
 */
export type ProxySetting = 'env' | string | Secret;

/** A dispatcher for a transport, and a function that removes the proxy's credentials from a text. */
export interface ProxiedDispatcher {
  readonly dispatcher: Dispatcher;
  readonly scrub: (text: string) => string;
}

const ENV_NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

function credentialsOf(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  try {
    const url = new URL(value);
    return [url.password, decodeURIComponent(url.password), url.username, decodeURIComponent(url.username)]
      .filter((part) => part.length >= 3)
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

function scrubber(values: readonly (string | undefined)[]): (text: string) => string {
  const parts = values.flatMap(credentialsOf);
  if (parts.length === 0) return (text) => text;
  return (text) => parts.reduce((result, part) => result.split(part).join('***'), text);
}

function proxyUrl(setting: string): string {
  let url: URL;
  try {
    url = new URL(setting);
  } catch {
    // The value may hold credentials: it is not repeated.
    throw new ConfigError('proxy must be an absolute http:// or https:// URL, or "env"');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`proxy must use http: or https:, got ${url.protocol}`);
  }
  return url.href;
}

/**
 * Checks a proxy setting at once (a transport whose material loads lazily still refuses a bad proxy when it
 * is created); returns the proxy's URL, `'env'` or `undefined`.
 *
 * @throws {ConfigError} naming what is wrong, never repeating the value (it may hold credentials).
 */
export function checkProxy(proxy: unknown): string | undefined {
  if (proxy === undefined || proxy === 'env') return proxy;
  const raw = proxy instanceof Secret ? revealSecret(proxy) : proxy;
  if (typeof raw !== 'string') throw new ConfigError('proxy must be a URL string, a Secret or "env"');
  return proxyUrl(raw);
}

/**
 * The dispatcher of a transport: a plain keep-alive `Agent`, or one that goes through a proxy. Through a
 * proxy, https targets are reached by a CONNECT tunnel and TLS is negotiated with the target inside it, so
 * `endpointTls` (the client certificate of mTLS, the trusted CAs, the pinning check) applies to the
 * partner and never to the proxy; plain http targets are forwarded.
 */
export function createDispatcher(
  proxy: ProxySetting | undefined,
  agentOptions: Agent.Options,
  endpointTls: buildConnector.BuildOptions | undefined,
): ProxiedDispatcher {
  if (proxy === undefined) return { dispatcher: new Agent(agentOptions), scrub: (text) => text };
  // Only the pool options pass on: a proxy agent builds its own connectors from `endpointTls`.
  const { connect: _connect, ...pool } = agentOptions;
  const tls = endpointTls === undefined ? {} : { requestTls: endpointTls };
  if (proxy === 'env') {
    const env = ENV_NAMES.map((name) => process.env[name]);
    return { dispatcher: new EnvHttpProxyAgent({ ...pool, ...tls }), scrub: scrubber(env) };
  }
  const uri = checkProxy(proxy) as string;
  return { dispatcher: new ProxyAgent({ ...pool, ...tls, uri }), scrub: scrubber([uri]) };
}
