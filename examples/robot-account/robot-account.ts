/**
 * The robot-account flow: a partner API whose `POST /login` with a user name and password returns an API
 * token. `createTokenSource` owns the token (one login at a time, refresh ahead of expiry, back-off on
 * failure), `tokenAuth` attaches it and replays once on 401, `createFetch` is the pipeline.
 *
 * Run it: `node --conditions=@attache/source examples/robot-account/robot-account.ts`
 */
import {
  type AttacheEventListener,
  type AttacheFetch,
  createFetch,
  createTokenSource,
  type FetchToken,
  type Secret,
  secret,
  TokenAcquisitionError,
  type TokenSource,
  tokenAuth,
  tokenCacheKey,
} from '@attache/core';
import { startPartnerApi } from './partner-api.ts';

/** Options of {@link createPartnerFetch}. */
export interface RobotAccountOptions {
  /** The partner API's origin; the login endpoint is `${baseUrl}/login`. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: Secret;
  /** Time source (tests and the demo below move it forward). Default `Date.now`. */
  readonly now?: () => number;
  /** Random source for the refresh point and the back-off jitter. Default `Math.random`. */
  readonly random?: () => number;
  readonly onEvent?: AttacheEventListener;
}

/** `POST /login` → `{ token, expires_in }`, mapped onto a token response. */
export function robotLogin(options: RobotAccountOptions): FetchToken {
  const loginUrl = new URL('/login', options.baseUrl);
  return async ({ signal }) => {
    const response = await fetch(loginUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: options.username, password: options.password.reveal() }),
      signal,
    });
    if (response.status === 401 || response.status === 403) {
      // Wrong user name or password: retrying will not help until someone fixes the credentials.
      throw new TokenAcquisitionError('The partner refused the robot account credentials', {
        status: response.status,
        error: 'invalid_credentials',
        retryable: false,
      });
    }
    if (!response.ok) {
      // 429 and 5xx: the login endpoint is busy or down, the credentials are not in question.
      throw new TokenAcquisitionError(`The partner login answered ${response.status}`, {
        status: response.status,
      });
    }
    const body = (await response.json()) as { token?: unknown; expires_in?: unknown };
    if (typeof body.token !== 'string') {
      throw new TokenAcquisitionError('The partner login answered without a token', {
        status: response.status,
      });
    }
    return {
      accessToken: secret(body.token),
      // Validated by the source: a number or numeric string of seconds.
      expiresIn: body.expires_in as number | string | undefined,
      serverDate: response.headers.get('date'),
    };
  };
}

/** A `fetch` for the partner API that logs in as the robot account when it needs a token. */
export function createPartnerFetch(options: RobotAccountOptions): {
  fetch: AttacheFetch;
  source: TokenSource;
} {
  const source = createTokenSource(robotLogin(options), {
    // The same account on the same partner shares one token in the whole process.
    key: tokenCacheKey({ tokenEndpoint: new URL('/login', options.baseUrl), clientId: options.username }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    // Token events reach `onEvent` through the pipeline (tokenAuth forwards them), so the source gets none.
  });
  const fetch = createFetch({
    baseUrl: options.baseUrl,
    auth: tokenAuth({ source }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  return { fetch, source };
}

/** Runs the flow against a local partner API, moving a shared clock forward instead of waiting. */
export async function runRobotAccountDemo(log: (line: string) => void = console.log): Promise<void> {
  let skipped = 0;
  const now = (): number => Date.now() + skipped;
  const api = await startPartnerApi({ accounts: { 'robot-7': 'correct horse battery staple' }, now });
  const lastLogin = (): number | undefined => api.counters.tokenOfCall.at(-1);
  try {
    const { fetch, source } = createPartnerFetch({
      baseUrl: api.origin,
      username: 'robot-7',
      password: secret('correct horse battery staple'),
      now,
      onEvent: (event) => {
        if (event.type.startsWith('token:') || event.type === 'challenge:handled')
          log(`   event ${event.type} ${JSON.stringify({ ...event, type: undefined, key: undefined })}`);
      },
    });

    log('1. 20 concurrent calls on a cold client: one login');
    const first = await Promise.all(Array.from({ length: 20 }, () => fetch('orders')));
    log(`   statuses ${[...new Set(first.map((r) => r.status))].join(',')}; logins ${api.counters.logins}`);

    const token = await source.get();
    skipped += token.refreshAt - now() + 1;
    log(
      '2. past the refresh point: the call is served at once with the current token; one login runs behind it',
    );
    const during = await fetch('orders');
    log(`   status ${during.status} with login #${lastLogin()}'s token; logins ${api.counters.logins}`);
    // Give the background login a moment to land (a real client simply keeps calling).
    while (source.peek() === token) await new Promise((resolve) => setTimeout(resolve, 5));
    log(`   next call: status ${(await fetch('orders')).status} with login #${lastLogin()}'s token`);

    log('3. the partner revokes every token: 401, one login, one replay');
    api.revokeTokens();
    const replayed = await fetch('orders');
    log(
      `   status ${replayed.status} with login #${lastLogin()}'s token; logins ${api.counters.logins}; 401s ${api.counters.rejected}`,
    );
  } finally {
    await api.close();
  }
}

if (import.meta.main) {
  await runRobotAccountDemo();
}
