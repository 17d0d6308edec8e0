import { SignJWT } from 'jose';
import type { ClientAuthMethod } from '../client-authentication.ts';
import { randomId } from '../random-id.ts';
import { fail, type ServerConfig, stringList } from './config.ts';
import type { ServerState } from './state.ts';

/** An access token the mock issued, as recorded for assertions. Times are epoch ms on the server's clock. */
export interface IssuedToken {
  /** The JWT. A test token: fine to print. */
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly clientId: string;
  readonly subject: string;
  /** The granted scope, space-separated, when any was granted. */
  readonly scope: string | undefined;
  readonly audience: readonly string[];
  readonly jti: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The DPoP key thumbprint the token is bound to (`cnf.jkt`). */
  readonly jkt: string | undefined;
  /** How the client authenticated; `undefined` for tokens minted with `issueToken`. */
  readonly authMethod: ClientAuthMethod | undefined;
  /** The token request's parameters, without `client_secret` and `client_assertion`. */
  readonly params: Readonly<Record<string, readonly string[]>>;
}

/** Options of {@link MockAuthorizationServer.issueToken}. */
export interface IssueTokenOptions {
  /** `client_id` claim. Default: the first registered client, or `test-client`. */
  readonly clientId?: string;
  /** `sub` claim. Default: the client id. */
  readonly subject?: string;
  /** Space-separated `scope` claim. Default: none. */
  readonly scope?: string;
  /** `aud` claim. Default: the server's `audience`. */
  readonly audience?: string | readonly string[];
  /** Seconds until `exp`; zero or negative makes an expired token. Default: the current lifetime. */
  readonly expiresIn?: number;
  /** Binds the token to a DPoP key: its JWK SHA-256 thumbprint. */
  readonly jkt?: string;
  /** More claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** What goes into a token, whether a token request or `issueToken` asked for it. */
export interface MintClaims {
  readonly clientId: string;
  readonly subject: string;
  readonly scope: string | undefined;
  readonly audience: readonly string[];
  readonly expiresIn: number;
  readonly jkt: string | undefined;
  readonly extra: Readonly<Record<string, unknown>> | undefined;
}

const TOKEN_TYPES = ['Bearer', 'DPoP'] as const;

/** Signs an RFC 9068 access token with the newest key and records it in `state.issued`. */
export async function mint(
  config: ServerConfig,
  state: ServerState,
  claims: MintClaims,
  authMethod: ClientAuthMethod | undefined,
  params: Readonly<Record<string, readonly string[]>>,
): Promise<IssuedToken> {
  const [key] = await state.keys;
  if (key === undefined) fail('no signing key');
  const iat = Math.floor(config.faults.now() / 1000);
  const exp = iat + Math.round(claims.expiresIn);
  const jti = randomId();
  const jwt = new SignJWT({
    ...claims.extra,
    client_id: claims.clientId,
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    ...(claims.jkt === undefined ? {} : { cnf: { jkt: claims.jkt } }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
    .setIssuer(config.issuer)
    .setSubject(claims.subject)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti);
  if (claims.audience.length > 0) {
    jwt.setAudience(claims.audience.length === 1 ? (claims.audience[0] as string) : [...claims.audience]);
  }
  const token: IssuedToken = {
    accessToken: await jwt.sign(key.privateKey),
    tokenType: TOKEN_TYPES[claims.jkt === undefined ? 0 : 1],
    clientId: claims.clientId,
    subject: claims.subject,
    scope: claims.scope,
    audience: claims.audience,
    jti,
    issuedAt: iat * 1000,
    expiresAt: exp * 1000,
    jkt: claims.jkt,
    authMethod,
    params,
  };
  state.issued.push(token);
  return token;
}

/** `issueToken`: a token minted without a token request. */
export function issueToken(
  config: ServerConfig,
  state: ServerState,
  options: IssueTokenOptions,
): Promise<IssuedToken> {
  const clientId = options.clientId ?? config.clients.keys().next().value ?? 'test-client';
  const expiresIn = options.expiresIn ?? state.lifetime;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
    fail('issueToken: expiresIn must be a number of seconds');
  const claims: MintClaims = {
    clientId,
    subject: options.subject ?? clientId,
    scope: options.scope,
    audience: stringList(options.audience, 'issueToken: audience') ?? config.audience,
    expiresIn,
    jkt: options.jkt,
    extra: options.claims,
  };
  return mint(config, state, claims, undefined, {});
}
