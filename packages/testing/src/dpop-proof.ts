import { ASYMMETRIC_JWS_ALGORITHMS } from '@attache/core/internal';
import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  jwtVerify,
} from 'jose';
import type { ReplayCache } from './replay-cache.ts';
import { withoutQuery } from './without-query.ts';

/** Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.2: never `none`, never a MAC). */
export const DPOP_ALGORITHMS: readonly string[] = ASYMMETRIC_JWS_ALGORITHMS;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What a DPoP proof is checked against. */
export interface DpopCheckOptions {
  /** The server's time, epoch ms. */
  readonly now: number;
  /** Seconds the proof's `iat` may be away from `now`, either way. */
  readonly window: number;
  readonly algorithms: readonly string[];
  /** The nonce the server currently requires, or `undefined` when it requires none. */
  readonly nonce: string | undefined;
  /** At a resource: the access token the proof must be bound to (`ath`). */
  readonly accessToken?: string;
  readonly replay: ReplayCache;
}

/** A verified proof: the thumbprint of its key (`cnf.jkt`). */
export interface DpopProofOk {
  readonly ok: true;
  readonly jkt: string;
}

/** A refused proof; `use_dpop_nonce` when only the nonce is missing or stale. */
export interface DpopProofRejected {
  readonly ok: false;
  readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce';
  readonly description: string;
}

/** The base64url SHA-256 of an access token: a DPoP proof's `ath` (RFC 9449 §4.2). */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

function invalid(description: string): DpopProofRejected {
  return { ok: false, error: 'invalid_dpop_proof', description };
}

/**
 * Checks the `DPoP` header of `request` (RFC 9449 §4.3): one well-formed JWT, `typ` `dpop+jwt`, an
 * asymmetric `alg`, a public `jwk` header the signature verifies with, `htm` and `htu` matching the request,
 * `iat` inside the window, a `jti` not seen before, the server's nonce when it requires one, and `ath` at a
 * resource. Verification is jose's.
 */
export async function verifyDpopProof(
  request: Request,
  options: DpopCheckOptions,
): Promise<DpopProofOk | DpopProofRejected> {
  const proof = request.headers.get('dpop');
  if (proof === null) return invalid('DPoP proof missing');
  // Two DPoP headers arrive joined by a comma, which a compact JWS never contains (RFC 9449 §4.3 step 1).
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof)) return invalid('DPoP header must be exactly one compact JWT');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return invalid('DPoP proof header is not valid JSON');
  }
  if (header.typ !== 'dpop+jwt') return invalid('DPoP proof typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !options.algorithms.includes(header.alg)) {
    return invalid(`DPoP proof alg must be one of ${options.algorithms.join(', ')}`);
  }
  const jwk = header.jwk as JWK | undefined;
  if (typeof jwk !== 'object' || jwk === null) return invalid('DPoP proof has no jwk header');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return invalid('DPoP proof jwk must be a public key');

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...options.algorithms],
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      currentDate: new Date(options.now),
    }));
  } catch (error) {
    return invalid(`DPoP proof rejected: ${error instanceof Error ? error.message : 'does not verify'}`);
  }
  const { jti, htm, htu, iat } = payload as { jti: unknown; htm: unknown; htu: unknown; iat: number };
  if (typeof jti !== 'string' || jti.length === 0)
    return invalid('DPoP proof jti must be a non-empty string');
  if (htm !== request.method) return invalid(`DPoP proof htm must be ${request.method}`);
  if (typeof htu !== 'string' || !URL.canParse(htu) || withoutQuery(htu) !== withoutQuery(request.url)) {
    return invalid('DPoP proof htu must be the request URL without query and fragment');
  }
  const nowSeconds = options.now / 1000;
  if (iat < nowSeconds - options.window || iat > nowSeconds + options.window) {
    return invalid(`DPoP proof iat is more than ${options.window} s away from the server's clock`);
  }
  if (options.accessToken !== undefined) {
    if (payload.ath !== (await accessTokenHash(options.accessToken))) {
      return invalid('DPoP proof ath does not match the access token');
    }
  }
  if (options.nonce !== undefined && payload.nonce !== options.nonce) {
    return {
      ok: false,
      error: 'use_dpop_nonce',
      description:
        payload.nonce === undefined ? 'DPoP proof must carry the server nonce' : 'DPoP proof nonce is stale',
    };
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  // Remembered for twice the window: a proof older than that is refused by its iat anyway.
  if (!options.replay.use(`${jkt}\n${jti}`, options.now + 2 * options.window * 1000, options.now)) {
    return invalid('DPoP proof jti was already used');
  }
  return { ok: true, jkt };
}
