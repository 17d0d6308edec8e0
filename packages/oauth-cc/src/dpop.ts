import { ConfigError, TokenAcquisitionError, type WebCryptoKeyPair } from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';
import type { DpopKey } from './dpop-proof.ts';
import { type PreparedKey, type PrivateKeyAlgorithm, prepareCryptoKey } from './private-key.ts';

/**
 * DPoP settings (RFC 9449) of `clientCredentialsAuth`.
 *
 * @example
 * ```ts
 * const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientSecret, dpop: { key } });
 * ```
 */
export interface DpopOptions {
  /**
   * The key pair proofs are signed with; tokens are bound to its public key. Keep the private key
   * non-extractable. Default: an ES256 pair generated on first use, private key non-extractable.
   */
  readonly key?: WebCryptoKeyPair;
  /** The JWS algorithm. Default: from the key (P-256 → `ES256`, Ed25519 → `EdDSA`, RSA-PSS → `PS256` …). */
  readonly alg?: PrivateKeyAlgorithm;
}

/** What one proof is for. */
export interface DpopProofInput {
  /** The request method (`htm`). */
  readonly method: string;
  /** The request URL; `htu` is it without query and fragment. */
  readonly url: URL;
  /** At a resource server: the access token, hashed into `ath`. */
  readonly accessToken?: string;
  /** Epoch milliseconds for `iat`. */
  readonly now: number;
}

/** Signs DPoP proofs with one key and remembers each origin's latest `DPoP-Nonce`. */
export interface DpopProver {
  /** Identifies the key inside this process, for token cache keys (tokens are bound to the key). */
  readonly keyId: string;
  /** RFC 7638 thumbprint of the public key (`cnf.jkt` of bound tokens). */
  thumbprint(): Promise<string>;
  proof(input: DpopProofInput): Promise<string>;
  /** Stores a nonce a server sent for its origin. */
  rememberNonce(origin: string, nonce: string): void;
  nonce(origin: string): string | undefined;
}

// RFC 9449 §8.1: nonce = 1*NQCHAR (visible ASCII but `"` and `\`). A bound keeps a hostile server from
// growing every proof.
const MAX_NONCE = 1024;
const NQCHAR = new RegExp(`^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,${MAX_NONCE}}$`);

const keyIds = new WeakMap<CryptoKey, string>();
let keyCount = 0;

function idFor(key: CryptoKey | undefined): string {
  if (key === undefined) return `dpop-${++keyCount}`;
  let id = keyIds.get(key);
  if (id === undefined) {
    id = `dpop-${++keyCount}`;
    keyIds.set(key, id);
  }
  return id;
}

/** The key pair `dpop` names, checked at once; neither field for `dpop: true` (a key is generated then). */
function checkDpopKey(options: true | DpopOptions): { given?: WebCryptoKeyPair; prepared?: PreparedKey } {
  if (options !== true && (typeof options !== 'object' || options === null)) {
    throw new ConfigError('clientCredentialsAuth: dpop must be true, false or { key, alg }');
  }
  const given = options === true ? undefined : options.key;
  const alg = options === true ? undefined : options.alg;
  if (given === undefined) {
    if (alg !== undefined && alg !== 'ES256') {
      throw new ConfigError(
        'clientCredentialsAuth: dpop.alg without dpop.key must be ES256 (the generated key)',
      );
    }
    return {};
  }
  if (
    typeof given !== 'object' ||
    given === null ||
    given.privateKey === undefined ||
    given.publicKey === undefined
  ) {
    throw new ConfigError(
      'clientCredentialsAuth: dpop.key must be a CryptoKeyPair ({ privateKey, publicKey })',
    );
  }
  const field = 'clientCredentialsAuth: dpop.key.privateKey';
  return { given, prepared: prepareCryptoKey(given.privateKey, { alg }, field) };
}

/**
 * Creates a DPoP prover from `dpop: true` or `dpop: { key, alg }`. The key is checked at once; generating or
 * importing it, and signing, load with the first proof.
 *
 * @throws {ConfigError} when `key` is not a key pair with a private signing key, or `alg` does not fit it.
 */
export function createDpopProver(options: true | DpopOptions): DpopProver {
  const { given, prepared } = checkDpopKey(options);
  const nonces = new Map<string, string>();
  let ready: Promise<DpopKey> | undefined;
  const proofModule = () => import('./dpop-proof.ts');

  function load(): Promise<DpopKey> {
    ready ??= proofModule()
      .then(({ loadDpopKey }) => loadDpopKey(given, prepared))
      .catch((cause: unknown) => {
        ready = undefined;
        throw new ConfigError('clientCredentialsAuth: the DPoP key could not be prepared', { cause });
      });
    return ready;
  }

  return {
    keyId: idFor(given?.publicKey),
    async thumbprint() {
      const key = await load();
      return (await proofModule()).dpopThumbprint(key);
    },
    async proof(input) {
      const key = await load();
      return (await proofModule()).signProof(key, input, nonces.get(input.url.origin));
    },
    rememberNonce(origin, nonce) {
      // Every later proof carries it: a server's value is checked like any credential it hands us.
      checkHeaderValue(nonce, `DPoP-Nonce from ${origin}`, 'endpoint');
      if (!NQCHAR.test(nonce)) {
        throw new TokenAcquisitionError(
          `DPoP-Nonce from ${origin} is not a nonce (RFC 9449 §8.1: 1*NQCHAR, at most ${MAX_NONCE} characters)`,
          { error: 'invalid_dpop_nonce', retryable: false },
        );
      }
      nonces.set(origin, nonce);
    },
    nonce: (origin) => nonces.get(origin),
  };
}
