import { ConfigError } from '@attache/core';
import { checkNumber } from '@attache/core/internal';
import type { MockClient } from '../client-authentication.ts';
import { DPOP_ALGORITHMS } from '../dpop-proof.ts';
import { type Faults, faultsOption } from '../faults.ts';
import type { MockAuthorizationServerOptions } from './options.ts';

/** The server's options, checked once, with every default filled in. */
export interface ServerConfig {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  /** RFC 8414 metadata URL. */
  readonly metadataUrl: string;
  readonly openidConfigurationUrl: string;
  readonly clients: ReadonlyMap<string, MockClient>;
  /** Lifetimes at creation and after `reset()`, seconds. */
  readonly lifetime: number;
  readonly refreshIn: number | undefined;
  readonly expiresIn: 'number' | 'string' | 'omit';
  readonly audience: readonly string[];
  readonly scopes: readonly string[] | undefined;
  readonly discovery: 'both' | 'oauth' | 'openid' | 'none';
  readonly extraMetadata: Readonly<Record<string, unknown>> | undefined;
  readonly dpop: {
    readonly required: boolean;
    readonly nonce: boolean;
    readonly algorithms: readonly string[];
    readonly window: number;
  };
  readonly clockTolerance: number;
  readonly faults: Faults;
}

export function fail(message: string): never {
  throw new ConfigError(`mockAuthorizationServer: ${message}`);
}

function httpUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) fail(`${name} must be an absolute URL`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${name} must be an http(s) URL`);
  if (url.search !== '' || url.hash !== '') fail(`${name} must have no query or fragment`);
  return value;
}

export function positiveSeconds(value: unknown, name: string): number {
  return checkNumber(value, `mockAuthorizationServer: ${name}`, { min: 'positive', unit: 'seconds' });
}

export function stringList(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    fail(`${name} must be a list of non-empty strings`);
  }
  return list as readonly string[];
}

function checkClients(value: unknown): Map<string, MockClient> {
  if (!Array.isArray(value)) fail('clients must be an array of clients');
  const clients = new Map<string, MockClient>();
  for (const [index, client] of (value as unknown[]).entries()) {
    const where = `clients[${index}]`;
    if (typeof client !== 'object' || client === null) fail(`${where} must be an object`);
    const c = client as MockClient;
    if (typeof c.clientId !== 'string' || c.clientId.length === 0)
      fail(`${where}.clientId must be a non-empty string`);
    if (clients.has(c.clientId)) fail(`${where}.clientId ${JSON.stringify(c.clientId)} is registered twice`);
    if (c.clientSecret !== undefined && (typeof c.clientSecret !== 'string' || c.clientSecret.length === 0)) {
      fail(`${where}.clientSecret must be a non-empty string`);
    }
    if (c.jwks !== undefined && (typeof c.jwks !== 'object' || c.jwks === null)) {
      fail(`${where}.jwks must be a JWKS, a JWK or a public CryptoKey`);
    }
    if (c.clientSecret === undefined && c.jwks === undefined) fail(`${where} needs a clientSecret or jwks`);
    const method = c.tokenEndpointAuthMethod;
    if (method !== undefined) {
      const needsKeys = method === 'private_key_jwt';
      if (
        !['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'].includes(
          method,
        )
      ) {
        fail(`${where}.tokenEndpointAuthMethod ${JSON.stringify(method)} is not supported`);
      }
      if (needsKeys ? c.jwks === undefined : c.clientSecret === undefined) {
        fail(`${where}.tokenEndpointAuthMethod ${method} needs ${needsKeys ? 'jwks' : 'clientSecret'}`);
      }
    }
    stringList(c.scopes, `${where}.scopes`);
    stringList(c.audiences, `${where}.audiences`);
    stringList(c.grantTypes, `${where}.grantTypes`);
    clients.set(c.clientId, c);
  }
  return clients;
}

/** RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path. */
function oauthMetadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/**
 * Checks every option, naming the field at fault.
 *
 * @throws {ConfigError} for an invalid option.
 */
export function resolveConfig(options: MockAuthorizationServerOptions): ServerConfig {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const issuer = httpUrl(options.issuer, 'issuer');
  const base = issuer.replace(/\/$/, '');
  const tokenEndpoint = httpUrl(options.tokenEndpoint ?? `${base}/token`, 'tokenEndpoint');
  const jwksUri = httpUrl(options.jwksUri ?? `${base}/jwks`, 'jwksUri');
  const clients = checkClients(options.clients);
  const lifetime = positiveSeconds(options.accessTokenLifetime ?? 3600, 'accessTokenLifetime');
  const refreshIn =
    options.refreshIn === undefined ? undefined : positiveSeconds(options.refreshIn, 'refreshIn');
  const expiresIn = options.expiresIn ?? 'number';
  if (!['number', 'string', 'omit'].includes(expiresIn))
    fail("expiresIn must be 'number', 'string' or 'omit'");
  const audience = stringList(options.audience, 'audience') ?? [];
  const scopes = stringList(options.scopes, 'scopes');
  const discovery = options.discovery ?? 'both';
  if (!['both', 'oauth', 'openid', 'none'].includes(discovery))
    fail("discovery must be 'both', 'oauth', 'openid' or 'none'");
  if (options.metadata !== undefined && (typeof options.metadata !== 'object' || options.metadata === null)) {
    fail('metadata must be an object');
  }
  const dpop = resolveDpop(options);
  const clockTolerance = checkNumber(
    options.clockTolerance ?? 30,
    'mockAuthorizationServer: clockTolerance',
    {
      min: 'non-negative',
      unit: 'seconds',
    },
  );
  const faults = faultsOption(options, 'mockAuthorizationServer');
  return {
    issuer,
    tokenEndpoint,
    jwksUri,
    metadataUrl: oauthMetadataUrl(issuer),
    openidConfigurationUrl: `${base}/.well-known/openid-configuration`,
    clients,
    lifetime,
    refreshIn,
    expiresIn,
    audience,
    scopes,
    discovery,
    extraMetadata: options.metadata,
    dpop,
    clockTolerance,
    faults,
  };
}

function resolveDpop(options: MockAuthorizationServerOptions): ServerConfig['dpop'] {
  const dpop = options.dpop ?? {};
  const algorithms = stringList(dpop.algorithms, 'dpop.algorithms') ?? DPOP_ALGORITHMS;
  if (algorithms.some((alg) => !DPOP_ALGORITHMS.includes(alg))) {
    fail(`dpop.algorithms must be asymmetric JWS algorithms: ${DPOP_ALGORITHMS.join(', ')}`);
  }
  return {
    required: dpop.required === true,
    nonce: dpop.nonce === true,
    algorithms,
    window: positiveSeconds(dpop.window ?? 60, 'dpop.window'),
  };
}
