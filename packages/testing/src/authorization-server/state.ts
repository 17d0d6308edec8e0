import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { TokenRejection } from '../oauth-error.ts';
import { randomId } from '../random-id.ts';
import { createReplayCache, type ReplayCache } from '../replay-cache.ts';
import type { ServerConfig } from './config.ts';
import type { IssuedToken } from './issue-token.ts';

/** What the server's endpoints share and its test controls change. */
export interface ServerState {
  /** Newest first: tokens are signed with the first. A promise, because key generation is asynchronous. */
  keys: Promise<SigningKey[]>;
  lifetime: number;
  refreshIn: number | undefined;
  dpopNonce: string | undefined;
  readonly counts: { oauthMetadata: number; openidConfiguration: number; jwks: number; token: number };
  readonly issued: IssuedToken[];
  readonly rejected: TokenRejection[];
  /** `jti`s of revoked tokens. */
  readonly revoked: Set<string>;
  readonly assertionReplay: ReplayCache;
  readonly proofReplay: ReplayCache;
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

export function createState(config: ServerConfig): ServerState {
  return {
    keys: createSigningKey().then((key) => [key]),
    lifetime: config.lifetime,
    refreshIn: config.refreshIn,
    dpopNonce: config.dpop.nonce ? randomId() : undefined,
    counts: { oauthMetadata: 0, openidConfiguration: 0, jwks: 0, token: 0 },
    issued: [],
    rejected: [],
    revoked: new Set(),
    assertionReplay: createReplayCache(),
    proofReplay: createReplayCache(),
  };
}

/** Back to how the server started, apart from its signing keys. */
export function resetState(state: ServerState, config: ServerConfig): void {
  state.counts.oauthMetadata = 0;
  state.counts.openidConfiguration = 0;
  state.counts.jwks = 0;
  state.counts.token = 0;
  state.issued.length = 0;
  state.rejected.length = 0;
  state.revoked.clear();
  state.assertionReplay.clear();
  state.proofReplay.clear();
  state.lifetime = config.lifetime;
  state.refreshIn = config.refreshIn;
  state.dpopNonce = config.dpop.nonce ? randomId() : undefined;
  config.faults.reset();
}
