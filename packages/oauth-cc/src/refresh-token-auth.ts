import {
  type Authenticator,
  ConfigError,
  createTokenSource,
  type FetchTokenContext,
  revealSecret,
  type SecretInput,
  TokenAcquisitionError,
  type TokenSource,
  type TokenSourceOptions,
  type TokenStore,
  tokenAuth,
  tokenCacheKey,
} from '@attache/core';
import { forwardEvents } from '@attache/core/internal';
import { checkAccount, createAccountCache } from './account-cache.ts';
import { createGrantClient, type GrantClient, type GrantClientOptions } from './grant-client.ts';
import { scopes } from './grant-params.ts';
import { ReconnectRequiredError } from './reconnect-required-error.ts';
import type { GrantResponse } from './token-response.ts';

/** Token source settings `refreshTokenAuth` passes on to each account's `createTokenSource`. */
export type RefreshTokenSourceOptions = Omit<TokenSourceOptions, 'now' | 'onEvent' | 'store' | 'key'>;

/**
 * Options of {@link refreshTokenAuth}.
 *
 * @example
 * ```ts
 * const options: RefreshTokenAuthOptions = {
 *   tokenEndpoint: 'https://auth.partner.example/oauth/token',
 *   clientId: 'integration-platform',
 *   clientSecret: secret(process.env.PARTNER_CLIENT_SECRET!),
 *   store: createRedisTokenStore({ redis }),
 * };
 * ```
 */
export interface RefreshTokenAuthOptions extends GrantClientOptions {
  /**
   * Where every account's refresh token (and its cached access token) lives. It must offer
   * `compareAndSet` (the memory store and `@attache/token-store-redis` do): a rotated refresh token is
   * written with it, so no process ever overwrites a newer one. Share it across the fleet so each account
   * is refreshed once per expiry, by one process.
   */
  readonly store: TokenStore;
  /** Scopes to ask for on refresh (a subset of the granted ones). Default: none (the same as granted). */
  readonly scope?: string | readonly string[];
  /** The account a call acts for when it names none. Default: none (the `account` call option is required). */
  readonly defaultAccount?: string;
  /** Most accounts kept in memory at once; the least recently used is dropped first. Default `1000`. */
  readonly maxAccounts?: number;
  /** Token source settings for each account (`expirySkew`, `fetchTimeout`, `lockTtl`, …). */
  readonly tokenSource?: RefreshTokenSourceOptions;
  /** Time source in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** The authenticator's name in events. Default `oauth-refresh`. */
  readonly name?: string;
}

/** Tokens an account was connected with, obtained elsewhere (an authorization-code flow, a login). */
export interface ConnectedTokens {
  /** The refresh token the authorization server issued for the account. */
  readonly refreshToken: SecretInput;
}

/** The authenticator {@link refreshTokenAuth} returns, with the calls that manage connected accounts. */
export interface RefreshTokenAuth extends Authenticator {
  /**
   * Stores the refresh token of a newly connected (or reconnected) account; its first call exchanges it.
   * Replaces whatever was stored for the account, and forgets its cached access token.
   *
   * @throws {ConfigError} for an invalid account name or an empty refresh token.
   */
  connect(account: string, tokens: ConnectedTokens): Promise<void>;
  /** Forgets an account: its refresh token and its cached access token. */
  disconnect(account: string): Promise<void>;
  /** The token source serving `account` (created on first use). */
  source(account: string): TokenSource;
}

/**
 * How long a stored refresh token is kept without being used: longer than any partner's refresh token
 * lifetime seen in practice, so the server, not the store, decides when it is dead.
 */
const REFRESH_TOKEN_TTL = 400 * 24 * 60 * 60 * 1000;

interface RefreshEntry {
  readonly version: 1;
  readonly refreshToken: string;
}

function serialize(refreshToken: string): string {
  return JSON.stringify({ version: 1, refreshToken } satisfies RefreshEntry);
}

/** The refresh token an entry holds; anything else (absent, another writer's format) reads as none. */
function parseEntry(entry: string | null | undefined): string | undefined {
  if (typeof entry !== 'string') return undefined;
  try {
    const value = JSON.parse(entry) as Partial<RefreshEntry> | null;
    return value?.version === 1 && typeof value.refreshToken === 'string' && value.refreshToken !== ''
      ? value.refreshToken
      : undefined;
  } catch {
    return undefined;
  }
}

/** The access token's response without the rotated refresh token: nothing downstream keeps a credential. */
function accessOnly(response: GrantResponse): GrantResponse {
  const { refreshToken: _dropped, ...rest } = response;
  return rest;
}

interface AccountGrant {
  readonly client: GrantClient;
  readonly store: TokenStore & Required<Pick<TokenStore, 'compareAndSet'>>;
  readonly params: readonly (readonly [string, string])[];
  readonly fetchTimeout: number | false;
}

/**
 * One refresh for `account`: reads its refresh token from the store, exchanges it, and writes the rotated one
 * back with compare-and-set before the new access token is handed out. `invalid_grant` forgets the dead
 * refresh token (unless another process already stored a newer one) and asks for a reconnection.
 */
async function refresh(
  grant: AccountGrant,
  account: string,
  refreshKey: string,
  context: FetchTokenContext,
): Promise<GrantResponse> {
  const entry = await grant.store.get(refreshKey);
  const refreshToken = parseEntry(entry);
  if (refreshToken === undefined)
    throw new ReconnectRequiredError(account, 'no refresh token is stored for it');
  const params: [string, string][] = [
    ['grant_type', 'refresh_token'],
    ['refresh_token', refreshToken],
  ];
  let response: GrantResponse;
  try {
    response = await grant.client.request(context, [...params, ...grant.params], grant.fetchTimeout);
  } catch (error) {
    if (!(error instanceof TokenAcquisitionError) || error.error !== 'invalid_grant') throw error;
    await Promise.resolve(grant.store.delete(refreshKey, entry as string)).catch(() => false);
    throw new ReconnectRequiredError(
      account,
      'the authorization server rejected its refresh token (invalid_grant)',
      {
        cause: error,
        error: 'invalid_grant',
        ...(error.status === undefined ? {} : { status: error.status }),
      },
    );
  }
  const rotated = response.refreshToken?.reveal();
  if (rotated !== undefined && rotated !== refreshToken) {
    // Not written when another writer replaced the entry meanwhile (a reconnect): its token wins, and the
    // access token in hand is still valid.
    await grant.store.compareAndSet(refreshKey, entry as string, serialize(rotated), REFRESH_TOKEN_TTL);
  }
  return accessOnly(response);
}

function checkStore(store: unknown, who: string): AccountGrant['store'] {
  const candidate = store as TokenStore | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.get !== 'function' ||
    typeof candidate.compareAndSet !== 'function'
  ) {
    throw new ConfigError(
      `${who}: store must be a TokenStore with compareAndSet (createMemoryTokenStore, createRedisTokenStore): rotated refresh tokens are written with it`,
    );
  }
  return candidate as AccountGrant['store'];
}

/**
 * An authenticator for connected accounts: the OAuth 2.0 `refresh_token` grant (RFC 6749 §6) with rotation,
 * one token source per account. A call names its account (`{ account: 'tenant-42' }`); the account's access
 * token is refreshed ahead of expiry, once per expiry across every process sharing the `store`, and a
 * rotated refresh token is stored (compare-and-set) before the new access token is used. A refresh token the
 * server rejects (`invalid_grant`) gives {@link ReconnectRequiredError}, never retried.
 *
 * @throws {ConfigError} synchronously, for invalid options; from calls without an account.
 * @example
 * ```ts
 * const accounts = refreshTokenAuth({ tokenEndpoint, clientId, clientSecret, store });
 * await accounts.connect('tenant-42', { refreshToken: fromAuthorizationCodeFlow.refresh_token });
 * const partner = createClient({ baseUrl: 'https://api.partner.example', auth: accounts });
 * await partner.get('invoices', { account: 'tenant-42' });
 * ```
 */
export function refreshTokenAuth(options: RefreshTokenAuthOptions): RefreshTokenAuth {
  const who = 'refreshTokenAuth';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${who}: options must be an object`);
  const client = createGrantClient(options, who);
  const store = checkStore(options.store, who);
  const scope = scopes(options.scope, who);
  const maxAccounts = options.maxAccounts ?? 1000;
  if (!Number.isInteger(maxAccounts) || maxAccounts < 1)
    throw new ConfigError(`${who}: maxAccounts must be a whole number >= 1`);
  const defaultAccount =
    options.defaultAccount === undefined ? undefined : checkAccount(options.defaultAccount, who);
  const name = options.name ?? 'oauth-refresh';
  const now = options.now ?? Date.now;
  const sourceOptions = options.tokenSource ?? {};
  const grant: AccountGrant = {
    client,
    store,
    params: scope.length === 0 ? [] : [['scope', scope.join(' ')]],
    fetchTimeout: sourceOptions.fetchTimeout ?? 30_000,
  };
  const baseKey = tokenCacheKey({ tokenEndpoint: client.endpointId, clientId: client.clientId, scope });
  const keyOf = (account: string): string => `${baseKey}#account=${encodeURIComponent(account)}`;
  const accounts = createAccountCache(maxAccounts, (account) => {
    const key = keyOf(account);
    const source = createTokenSource((context) => refresh(grant, account, `${key}#refresh`, context), {
      ...sourceOptions,
      key,
      store,
      now,
      shareInProcess: false,
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
    return { source, auth: tokenAuth({ source, name }) };
  });
  const serving = (account: string | undefined) => {
    const chosen = account ?? defaultAccount;
    if (chosen === undefined) {
      throw new ConfigError(
        `${who}: this client serves connected accounts; name one with the account call option`,
      );
    }
    return accounts.get(chosen);
  };

  return {
    name,
    sensitiveHeaders: ['authorization'],
    attach: (draft, context) => serving(context.account).auth.attach(draft, context),
    challenge: (response, sent, context) =>
      serving(context.account).auth.challenge?.(response, sent, context) ?? 'fail',
    async connect(account, tokens) {
      const key = keyOf(checkAccount(account, who));
      const refreshToken = revealSecret(tokens?.refreshToken as SecretInput);
      if (typeof refreshToken !== 'string' || refreshToken === '') {
        throw new ConfigError(`${who}: connect needs a non-empty refreshToken`);
      }
      await store.set(`${key}#refresh`, serialize(refreshToken), REFRESH_TOKEN_TTL);
      await store.delete(key);
      accounts.delete(account);
    },
    async disconnect(account) {
      const key = keyOf(checkAccount(account, who));
      await store.delete(`${key}#refresh`);
      await store.delete(key);
      accounts.delete(account);
    },
    source: (account) => accounts.get(checkAccount(account, who)).source,
    // The events of a store with its own (a Redis store's outages) join the `onEvent` of each client using this.
    ...forwardEvents(store),
  };
}
