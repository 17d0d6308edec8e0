import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, jwtVerify } from 'jose';
import Provider, { errors, type GrantContext, type ModelInstance } from 'oidc-provider';
import { memoryAdapter, type Stored } from './oidc-provider.ts';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** The only audience the token exchange grant issues tokens for. */
export const PARTNER_AUDIENCE = 'https://api.partner.example';

/** What the token endpoint decided for one request, from oidc-provider's own `grant.success`/`grant.error`. */
export interface GrantOutcome {
  readonly grantType: string;
  readonly clientId: string | undefined;
  /** `undefined` when the grant succeeded; else the OAuth error code the server answered with. */
  readonly error: string | undefined;
}

/** One request the partner API received: the account its token was issued for, or 401. */
export interface ApiRequest {
  readonly path: string;
  readonly status: number;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly grantType?: string;
  readonly audience?: string;
}

export interface GrantsProviderHarness {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  /** A partner API on the same port (`/api/...`) that accepts only this server's live access tokens. */
  readonly api: string;
  /** The issuer of platform tokens (subject tokens, assertions) the custom grants trust. */
  readonly platformIssuer: string;
  readonly outcomes: GrantOutcome[];
  readonly apiRequests: ApiRequest[];
  /** The `jti` of every assertion the jwt-bearer grant accepted, in order. */
  readonly acceptedAssertions: string[];
  /** Signs a platform token (a JWT with the platform key, or with `foreignKey: true` a key the server does not trust). */
  platformToken(
    claims: JWTPayload & { sub: string; aud: string },
    options?: { foreignKey?: boolean; expiresIn?: number },
  ): Promise<string>;
  /**
   * Leaves a grant and a refresh token for `accountId` and `clientId` as an authorization-code flow with
   * `offline_access` would have, through the provider's own models. Returns the refresh token's value.
   */
  seedRefreshToken(
    accountId: string,
    clientId: string,
    scope: string,
  ): Promise<{ grantId: string; refreshToken: string }>;
  /** Every refresh token of a grant the server holds, oldest first, with whether it was used. */
  refreshTokens(grantId: string): { value: string; consumed: boolean; rotations: number }[];
  /** Whether the server still holds the grant (reuse of a rotated refresh token revokes it). */
  hasGrant(grantId: string): boolean;
  close(): Promise<void>;
}

export interface GrantsProviderOptions {
  readonly clients: readonly Record<string, unknown>[];
  readonly scopes: readonly string[];
  /** Access token lifetime in seconds. Default 3600. */
  readonly accessTokenTtl?: number;
}

function issueAccessToken(
  provider: Provider,
  ctx: GrantContext,
  accountId: string,
  grantType: string,
  scope: string | undefined,
  audience?: string,
): ModelInstance {
  return new provider.AccessToken({
    accountId,
    client: ctx.oidc.client,
    gty: grantType,
    ...(scope === undefined ? {} : { scope }),
    ...(audience === undefined ? {} : { aud: audience }),
  });
}

/** The requested scopes, limited to the client's registered `scope` (as oidc-provider does for its own grants). */
function allowedScope(ctx: GrantContext): string | undefined {
  const requested = ctx.oidc.params.scope;
  if (requested === undefined) return undefined;
  const allowed = new Set(String(ctx.oidc.client.scope ?? '').split(' '));
  const refused = requested.split(' ').filter((scope) => !allowed.has(scope));
  if (refused.length > 0) throw new errors.InvalidRequest(`scope not allowed: ${refused.join(' ')}`);
  return requested;
}

async function readBody(request: IncomingMessage): Promise<void> {
  for await (const _chunk of request);
}

/**
 * oidc-provider on 127.0.0.1 for the grants a connected-accounts platform uses: its own `refresh_token`
 * grant with `rotateRefreshToken: true` (single-use refresh tokens, reuse revokes the grant), and RFC 8693
 * token exchange and RFC 7523 jwt-bearer registered through `provider.registerGrantType`. Those handlers
 * run after the provider's own client authentication, verify the platform's JWT with jose, and issue access
 * tokens with the provider's `AccessToken` model.
 */
export async function startGrantsProvider(options: GrantsProviderOptions): Promise<GrantsProviderHarness> {
  const store = new Map<string, Stored>();
  const outcomes: GrantOutcome[] = [];
  const apiRequests: ApiRequest[] = [];
  const acceptedAssertions: string[] = [];
  const platform = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  let provider: Provider | undefined;
  let handler: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if ((request.url ?? '').startsWith('/api/')) {
      void serveApi(request, response);
      return;
    }
    handler?.(request, response);
  });
  // Longer than any test: a keep-alive socket closed while the client reuses it would be a reset.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const tokenEndpoint = `${issuer}/token`;
  const platformIssuer = 'https://platform.example';

  async function serveApi(request: IncomingMessage, response: ServerResponse): Promise<void> {
    await readBody(request);
    const path = (request.url ?? '').split('?')[0] ?? '';
    const [scheme, value] = (request.headers.authorization ?? '').split(' ');
    const token =
      scheme === 'Bearer' && value !== undefined ? await provider?.AccessToken.find(value) : undefined;
    if (token === undefined) {
      apiRequests.push({ path, status: 401 });
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    const seen = {
      accountId: String(token.accountId),
      clientId: String(token.clientId),
      grantType: String(token.gty),
      ...(token.aud === undefined ? {} : { audience: String(token.aud) }),
    };
    apiRequests.push({ path, status: 200, ...seen });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
  }

  async function verifyPlatformToken(token: string, audience: string, what: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, platform.publicKey, {
        issuer: platformIssuer,
        audience,
        algorithms: ['ES256'],
        requiredClaims: ['sub', 'exp', 'jti'],
      });
      return payload;
    } catch {
      throw new errors.InvalidGrant(`${what} could not be verified`);
    }
  }

  const accessTokenTtl = options.accessTokenTtl ?? 3600;
  provider = new Provider(issuer, {
    adapter: memoryAdapter(store),
    clients: options.clients,
    jwks: {
      keys: [
        {
          ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
          kid: 'rs-1',
          use: 'sig',
        } as JWK,
      ],
    },
    scopes: ['openid', 'offline_access', ...options.scopes],
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    rotateRefreshToken: true,
    ttl: { AccessToken: accessTokenTtl, RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600 },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: { enabled: false },
    },
  });

  provider.registerGrantType(
    TOKEN_EXCHANGE,
    async (ctx) => {
      const { subject_token: subjectToken, subject_token_type: subjectType } = ctx.oidc.params;
      if (subjectToken === undefined || subjectType === undefined)
        throw new errors.InvalidRequest('subject_token and subject_token_type are required');
      if (subjectType !== JWT_TOKEN_TYPE && subjectType !== ACCESS_TOKEN_TYPE)
        throw new errors.InvalidRequest('unsupported subject_token_type');
      // The platform mints subject tokens for this authorization server.
      const subject = await verifyPlatformToken(subjectToken, issuer, 'subject token');
      const audience = ctx.oidc.params.audience;
      if (audience !== undefined && audience !== PARTNER_AUDIENCE)
        throw new errors.InvalidTarget('unknown audience');
      const token = issueAccessToken(
        provider as Provider,
        ctx,
        String(subject.sub),
        'token-exchange',
        allowedScope(ctx),
        audience,
      );
      const value = await token.save();
      ctx.body = {
        access_token: value,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: accessTokenTtl,
        ...(token.scope === undefined ? {} : { scope: token.scope }),
      };
    },
    [
      'subject_token',
      'subject_token_type',
      'actor_token',
      'actor_token_type',
      'requested_token_type',
      'audience',
      'scope',
    ],
    ['audience'],
  );

  const seenAssertions = new Set<string>();
  provider.registerGrantType(
    JWT_BEARER,
    async (ctx) => {
      const assertion = ctx.oidc.params.assertion;
      if (assertion === undefined) throw new errors.InvalidRequest('assertion is required');
      // RFC 7523 §3: the token endpoint is the audience; an assertion is accepted once (jti).
      const claims = await verifyPlatformToken(assertion, tokenEndpoint, 'assertion');
      if (seenAssertions.has(String(claims.jti))) throw new errors.InvalidGrant('assertion already used');
      seenAssertions.add(String(claims.jti));
      acceptedAssertions.push(String(claims.jti));
      const token = issueAccessToken(
        provider as Provider,
        ctx,
        String(claims.sub),
        'jwt-bearer',
        allowedScope(ctx),
      );
      ctx.body = {
        access_token: await token.save(),
        token_type: 'Bearer',
        expires_in: accessTokenTtl,
        ...(token.scope === undefined ? {} : { scope: token.scope }),
      };
    },
    ['assertion', 'scope'],
  );

  handler = provider.callback();

  type EventContext = { oidc: { params?: Record<string, string>; client?: { clientId: string } } };
  const record = (ctx: EventContext, error: string | undefined) =>
    outcomes.push({
      grantType: ctx.oidc.params?.grant_type ?? '',
      clientId: ctx.oidc.client?.clientId,
      error,
    });
  provider.on('grant.success', (ctx: EventContext) => record(ctx, undefined));
  provider.on('grant.error', (ctx: EventContext, error: { error?: string }) =>
    record(ctx, error.error ?? 'unknown'),
  );

  return {
    issuer,
    tokenEndpoint,
    api: `${issuer}/api`,
    platformIssuer,
    outcomes,
    apiRequests,
    acceptedAssertions,
    async platformToken(claims, tokenOptions = {}) {
      const { SignJWT } = await import('jose');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .setIssuer(platformIssuer)
        .setIssuedAt(now)
        .setExpirationTime(now + (tokenOptions.expiresIn ?? 600))
        .sign(tokenOptions.foreignKey === true ? foreign.privateKey : platform.privateKey);
    },
    async seedRefreshToken(accountId, clientId, scope) {
      const live = provider as Provider;
      const grant = new live.Grant({ accountId, clientId });
      grant.addOIDCScope(`offline_access ${scope}`);
      const grantId = await grant.save();
      const client = { clientId };
      const refreshToken = await new live.RefreshToken({
        accountId,
        client,
        grantId,
        gty: 'authorization_code',
        scope: `offline_access ${scope}`,
        authTime: Math.floor(Date.now() / 1000),
      }).save();
      return { grantId, refreshToken };
    },
    refreshTokens(grantId) {
      return [...store.entries()]
        .filter(([key, entry]) => key.startsWith('RefreshToken:') && entry.grantId === grantId)
        .map(([key, entry]) => ({
          value: key.slice('RefreshToken:'.length),
          consumed: entry.consumed !== undefined,
          rotations: typeof entry.rotations === 'number' ? entry.rotations : 0,
        }))
        .sort((a, b) => a.rotations - b.rotations);
    },
    hasGrant: (grantId) => store.has(`Grant:${grantId}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
