import type { RequestHandler } from 'msw';
import { ASSERTION_ALGORITHMS } from '../client-authentication/algorithms.ts';
import type { ServerConfig } from './config.ts';
import { endpoint } from './endpoint.ts';
import type { ServerState } from './state.ts';

/** The metadata document both well-known URLs serve (RFC 8414 §2), with the caller's extra members last. */
export function metadataDocument(config: ServerConfig): Readonly<Record<string, unknown>> {
  return {
    issuer: config.issuer,
    token_endpoint: config.tokenEndpoint,
    jwks_uri: config.jwksUri,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
    ],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    dpop_signing_alg_values_supported: [...config.dpop.algorithms],
    ...(config.scopes === undefined ? {} : { scopes_supported: [...config.scopes] }),
    ...config.extraMetadata,
  };
}

/**
 * `GET` RFC 8414 metadata and `GET` the OpenID configuration. A document the `discovery` option leaves
 * out answers 404, so clients can be tested against servers that publish only one of them.
 */
export function discoveryHandlers(
  config: ServerConfig,
  state: ServerState,
  metadata: Readonly<Record<string, unknown>>,
): RequestHandler[] {
  const document = (kind: 'oauth' | 'openid') => (): Response =>
    config.discovery === 'both' || config.discovery === kind
      ? Response.json(metadata)
      : Response.json({ error: 'not_found' }, { status: 404 });
  return [
    endpoint('get', config.metadataUrl, config.faults, () => state.counts.oauthMetadata++, document('oauth')),
    endpoint(
      'get',
      config.openidConfigurationUrl,
      config.faults,
      () => state.counts.openidConfiguration++,
      document('openid'),
    ),
  ];
}
