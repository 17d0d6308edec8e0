import type { RequestHandler } from 'msw';
import { authenticateClient, type MockClient } from '../client-authentication.ts';
import { verifyDpopProof } from '../dpop-proof.ts';
import { type OAuthFailure, oauthErrorResponse, oauthFailure } from '../oauth-error.ts';
import type { ServerConfig } from './config.ts';
import { endpoint } from './endpoint.ts';
import { mint } from './issue-token.ts';
import type { ServerState } from './state.ts';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const SINGLE_PARAMS = [
  'grant_type',
  'scope',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
];

/** A token request the checks that need no client refused, attributed to the client it names if any. */
interface Refused {
  readonly failure: OAuthFailure;
  readonly clientId: string | undefined;
}

/** A token request whose form passed the checks that need no client. */
interface TokenRequest {
  readonly params: URLSearchParams;
  /** The `client_id` parameter, to attribute a refusal before the client is authenticated. */
  readonly claimedClientId: string | undefined;
}

/** `POST tokenEndpoint` (other methods answer 405): the client credentials grant. */
export function tokenEndpointHandler(config: ServerConfig, state: ServerState): RequestHandler {
  const refuse = (failure: OAuthFailure, clientId: string | undefined): Response => {
    state.rejected.push({
      status: failure.status,
      error: failure.error,
      description: failure.description,
      clientId,
    });
    return oauthErrorResponse(failure);
  };
  const answer = async (request: Request): Promise<Response> => {
    const form = await readTokenRequest(request);
    if ('failure' in form) return refuse(form.failure, form.clientId);
    const { params, claimedClientId } = form;
    // The proof is checked before client authentication, so a nonce round trip does not spend an assertion.
    const proof = await checkProof(config, state, request);
    if (typeof proof === 'object') return refuse(proof, claimedClientId);
    const auth = await authenticateClient(request, params, {
      clients: config.clients,
      issuer: config.issuer,
      tokenEndpoint: config.tokenEndpoint,
      now: config.faults.now(),
      clockTolerance: config.clockTolerance,
      replay: state.assertionReplay,
    });
    if (!auth.ok) return refuse(auth, auth.clientId);
    const { client, method } = auth;
    const granted = grant(config, state, client, params, proof);
    if ('ok' in granted) return refuse(granted, client.clientId);
    const minted = await mint(
      config,
      state,
      {
        clientId: client.clientId,
        subject: client.clientId,
        scope: granted.scope,
        audience: granted.audience,
        expiresIn: state.lifetime,
        jkt: proof,
        extra: client.claims,
      },
      method,
      recordedParams(params),
    );
    const body: Record<string, unknown> = { access_token: minted.accessToken, token_type: minted.tokenType };
    if (config.expiresIn !== 'omit')
      body.expires_in = config.expiresIn === 'string' ? String(state.lifetime) : state.lifetime;
    if (state.refreshIn !== undefined) body.refresh_in = state.refreshIn;
    if (granted.scope !== undefined) body.scope = granted.scope;
    return Response.json(body, { headers: { 'cache-control': 'no-store', pragma: 'no-cache' } });
  };
  return endpoint('all', config.tokenEndpoint, config.faults, () => state.counts.token++, answer);
}

/**
 * The checks a token request passes before anyone looks at the client: method, form encoding, no repeated
 * parameter (RFC 6749 §3.2), the one grant type. A refusal without a form is not attributed to a client.
 */
async function readTokenRequest(request: Request): Promise<TokenRequest | Refused> {
  if (request.method !== 'POST') {
    const failure = oauthFailure(405, 'invalid_request', 'the token endpoint takes POST', { allow: 'POST' });
    return { failure, clientId: undefined };
  }
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    const failure = oauthFailure(
      400,
      'invalid_request',
      'the body must be application/x-www-form-urlencoded',
    );
    return { failure, clientId: undefined };
  }
  const params = new URLSearchParams(await request.clone().text());
  const claimedClientId = params.get('client_id') ?? undefined;
  const refused = (failure: OAuthFailure): Refused => ({ failure, clientId: claimedClientId });
  for (const name of SINGLE_PARAMS) {
    if (params.getAll(name).length > 1) {
      return refused(oauthFailure(400, 'invalid_request', `${name} must not be repeated`));
    }
  }
  const grantType = params.get('grant_type');
  if (grantType === null) return refused(oauthFailure(400, 'invalid_request', 'grant_type is missing'));
  if (grantType !== 'client_credentials') {
    return refused(oauthFailure(400, 'unsupported_grant_type', 'only client_credentials is supported'));
  }
  return { params, claimedClientId };
}

/** The DPoP key thumbprint a valid proof binds the token to; `undefined` without a proof. */
async function checkProof(
  config: ServerConfig,
  state: ServerState,
  request: Request,
): Promise<string | undefined | OAuthFailure> {
  if (!request.headers.has('dpop')) return undefined;
  const proof = await verifyDpopProof(request, {
    now: config.faults.now(),
    window: config.dpop.window,
    algorithms: config.dpop.algorithms,
    nonce: state.dpopNonce,
    replay: state.proofReplay,
  });
  if (proof.ok) return proof.jkt;
  const headers =
    proof.error === 'use_dpop_nonce' && state.dpopNonce !== undefined
      ? { 'dpop-nonce': state.dpopNonce }
      : undefined;
  return oauthFailure(400, proof.error, proof.description, headers);
}

/** What an authenticated client gets: the grant allowed, DPoP as required, scope and audience within bounds. */
function grant(
  config: ServerConfig,
  state: ServerState,
  client: MockClient,
  params: URLSearchParams,
  jkt: string | undefined,
): { readonly scope: string | undefined; readonly audience: readonly string[] } | OAuthFailure {
  if (!(client.grantTypes ?? ['client_credentials']).includes('client_credentials')) {
    return oauthFailure(400, 'unauthorized_client', 'client may not use the client_credentials grant');
  }
  if (jkt === undefined && (config.dpop.required || client.dpopBoundAccessTokens === true)) {
    const headers = state.dpopNonce === undefined ? undefined : { 'dpop-nonce': state.dpopNonce };
    return oauthFailure(400, 'invalid_dpop_proof', 'a DPoP proof is required', headers);
  }
  const scope = grantScope(config, params.get('scope'), client);
  if (typeof scope === 'object') return scope;
  const audience = grantAudience(config, params, client);
  if ('ok' in audience) return audience;
  return { scope, audience };
}

/** Grants the scope asked for, within what the server and the client allow. */
function grantScope(
  config: ServerConfig,
  requested: string | null,
  client: MockClient,
): string | undefined | OAuthFailure {
  if (requested === null) return client.scopes?.length ? client.scopes.join(' ') : undefined;
  const scopes = requested.split(' ');
  if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) {
    return oauthFailure(400, 'invalid_scope', 'scope must be scope tokens separated by single spaces');
  }
  for (const scope of scopes) {
    if (config.scopes !== undefined && !config.scopes.includes(scope)) {
      return oauthFailure(400, 'invalid_scope', `unknown scope ${JSON.stringify(scope)}`);
    }
    if (client.scopes !== undefined && !client.scopes.includes(scope)) {
      return oauthFailure(400, 'invalid_scope', `client may not ask for scope ${JSON.stringify(scope)}`);
    }
  }
  return scopes.join(' ');
}

/** The audience asked for with `resource` (RFC 8707) and `audience`, within what the client may ask. */
function grantAudience(
  config: ServerConfig,
  params: URLSearchParams,
  client: MockClient,
): readonly string[] | OAuthFailure {
  const resources = params.getAll('resource');
  for (const resource of resources) {
    if (!URL.canParse(resource) || new URL(resource).hash !== '') {
      return oauthFailure(400, 'invalid_target', 'resource must be an absolute URI without a fragment');
    }
  }
  const requested = [...resources, ...params.getAll('audience')];
  for (const value of requested) {
    if (client.audiences !== undefined && !client.audiences.includes(value)) {
      return oauthFailure(400, 'invalid_target', `client may not ask for ${JSON.stringify(value)}`);
    }
  }
  return requested.length > 0 ? [...new Set(requested)] : config.audience;
}

/** The request's parameters as recorded on the issued token: secrets left out. */
function recordedParams(params: URLSearchParams): Record<string, string[]> {
  const recorded: Record<string, string[]> = {};
  for (const [name, value] of params) {
    if (name === 'client_secret' || name === 'client_assertion') continue;
    const values = recorded[name] ?? [];
    values.push(value);
    recorded[name] = values;
  }
  return recorded;
}
