// Where SigV4 gets its credentials: fixed, or a provider (STS, an instance role, a vault) whose answers expire.
// Credentials are read again a little before they expire, once for all concurrent callers, and when the service
// says the token expired; the day's signing key is derived once per credentials and scope.
import { ConfigError, revealSecret, Secret, type SecretInput } from '@attache/core';
import { createProviderCache } from '@attache/core/internal';
import { deriveSigningKey } from './signing-key.ts';

/** AWS credentials: an access key, and a session token when they are temporary. */
export interface AwsCredentials {
  /** `AKIA...` or `ASIA...`. */
  readonly accessKeyId: string;
  readonly secretAccessKey: SecretInput;
  /** The session token of temporary credentials (STS, roles). Sent as `X-Amz-Security-Token`. */
  readonly sessionToken?: SecretInput;
  /** When temporary credentials stop working (a `Date` or epoch ms). */
  readonly expiration?: Date | number;
}

/** Reads the current credentials. Called once, again shortly before `expiration`, and after `ExpiredToken`. */
export type AwsCredentialsProvider = () => AwsCredentials | Promise<AwsCredentials>;

export interface CredentialsEntry {
  readonly accessKeyId: string;
  readonly sessionToken: string | undefined;
  readonly expiresAt: number | undefined;
  /** The signing key for a day and scope: at once when already derived, else derived and kept. */
  signingKey(shortDate: string, region: string, service: string): CryptoKey | Promise<CryptoKey>;
}

export interface CredentialsSource {
  readonly rotates: boolean;
  current(now: number): CredentialsEntry | Promise<CredentialsEntry>;
  renew(rejected: CredentialsEntry | undefined): Promise<boolean>;
}

const ACCESS_KEY_ID = /^[\x21-\x7e]+$/;
// Header-safe: visible ASCII; a session token never holds spaces or line breaks.
const TOKEN = /^[\x21-\x7e]+$/;

function entryOf(value: AwsCredentials, owner: string, where: string): CredentialsEntry {
  if (typeof value !== 'object' || value === null)
    throw new ConfigError(`${owner}: ${where} must be an object`);
  if (
    typeof value.accessKeyId !== 'string' ||
    !ACCESS_KEY_ID.test(value.accessKeyId) ||
    value.accessKeyId.includes('/')
  ) {
    throw new ConfigError(`${owner}: ${where}.accessKeyId must be visible ASCII without "/"`);
  }
  const secretOk = typeof value.secretAccessKey === 'string' || value.secretAccessKey instanceof Secret;
  const secret = secretOk ? revealSecret(value.secretAccessKey) : '';
  if (secret === '')
    throw new ConfigError(`${owner}: ${where}.secretAccessKey must be a non-empty string or Secret`);
  let sessionToken: string | undefined;
  if (value.sessionToken !== undefined) {
    const tokenOk = typeof value.sessionToken === 'string' || value.sessionToken instanceof Secret;
    sessionToken = tokenOk ? revealSecret(value.sessionToken) : '';
    if (!TOKEN.test(sessionToken)) {
      throw new ConfigError(`${owner}: ${where}.sessionToken must be visible ASCII without spaces`);
    }
  }
  const expiration = value.expiration;
  const expiresAt = expiration instanceof Date ? expiration.getTime() : expiration;
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    throw new ConfigError(`${owner}: ${where}.expiration must be a Date or epoch milliseconds`);
  }
  const keys = new Map<string, CryptoKey>();
  const pending = new Map<string, Promise<CryptoKey>>();
  return {
    accessKeyId: value.accessKeyId,
    sessionToken,
    expiresAt,
    signingKey(shortDate, region, service) {
      const scope = `${shortDate}/${region}/${service}`;
      const known = keys.get(scope);
      if (known !== undefined) return known;
      let waiting = pending.get(scope);
      if (waiting === undefined) {
        waiting = deriveSigningKey(secret, shortDate, region, service).then((key) => {
          // One day's key at a time per scope: yesterday's is dropped when today's is made.
          for (const old of keys.keys()) if (old.endsWith(`/${region}/${service}`)) keys.delete(old);
          keys.set(scope, key);
          pending.delete(scope);
          return key;
        });
        pending.set(scope, waiting);
      }
      return waiting;
    },
  };
}

export function createCredentialsSource(
  input: AwsCredentials | AwsCredentialsProvider,
  refreshBeforeMs: number,
  owner: string,
): CredentialsSource {
  if (typeof input !== 'function') {
    const fixed = entryOf(input, owner, 'credentials');
    return { rotates: false, current: () => fixed, renew: async () => false };
  }
  const cache = createProviderCache<CredentialsEntry>(
    input,
    (value) => entryOf(value as AwsCredentials, owner, 'credentials()'),
    `${owner}: the credentials provider failed`,
    (a, b) => a.accessKeyId !== b?.accessKeyId || a.sessionToken !== b?.sessionToken,
  );
  return {
    rotates: true,
    current(now) {
      const settled = cache.settled();
      if (settled === undefined) return cache.current();
      if (settled.expiresAt === undefined || now < settled.expiresAt - refreshBeforeMs) return settled;
      return cache.read();
    },
    renew: (rejected) => cache.renew(rejected),
  };
}
