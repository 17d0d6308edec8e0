// What every verifier resolves with: a verified message, or a rejection with one reason from a closed list.
import type { ContentDigestInput } from './content-digest.ts';
import type { HmacScheme } from './hmac-auth.ts';
import type { SignatureAlgorithm } from './signature-algorithm.ts';

/** Why a verifier refused a message. Every rejection carries exactly one. */
export type HmacRejectionReason =
  /** No signature headers, or no signature with the expected label. */
  | 'missing-signature'
  /** Signature headers that cannot be parsed, or that cover a component the message does not have. */
  | 'malformed-signature'
  /** No key is configured for the key id. */
  | 'unknown-key'
  /** The `alg` parameter names an algorithm that none of the key id's keys uses. */
  | 'unsupported-algorithm'
  /** A component the verifier requires is not covered by the signature. */
  | 'uncovered-component'
  /** No `created` parameter or timestamp header. */
  | 'missing-timestamp'
  /** Older than the tolerance window, or past its `expires`. */
  | 'expired'
  /** Dated further in the future than the tolerance window allows. */
  | 'future-timestamp'
  /** No nonce, and the verifier requires one. */
  | 'missing-nonce'
  /** The nonce was already used within the window: a replay. */
  | 'replayed-nonce'
  /**
   * The nonce store is full of live nonces and refuses to forget one (the memory store's default): the
   * message may be genuine, but it cannot be protected against replay. Raise `maxEntries` or use a shared store.
   */
  | 'nonce-store-full'
  /** `Content-Digest` does not match the body. */
  | 'digest-mismatch'
  /** The signature does not verify: something it covers changed, or it was made with another key. */
  | 'signature-mismatch';

/** A verified message: who signed it and what the signature covers. */
export interface HmacVerified {
  readonly ok: true;
  readonly scheme: HmacScheme;
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** When it was signed, in epoch seconds. */
  readonly created: number;
  readonly nonce: string | undefined;
  /** rfc9421: the label of the verified signature. */
  readonly label?: string;
  /** rfc9421: the covered components, as written in `Signature-Input`. */
  readonly components?: readonly string[];
}

/** A refused message. `message` says why in words and never contains key material or signature values. */
export interface HmacRejected {
  readonly ok: false;
  readonly reason: HmacRejectionReason;
  readonly message: string;
  /** The key id the message claimed, when it named one. */
  readonly keyId?: string;
}

/** What {@link HmacVerifier.verify} resolves with: narrow on `ok`, then switch on `reason`. */
export type HmacVerifyResult = HmacVerified | HmacRejected;

export function reject(reason: HmacRejectionReason, message: string, keyId?: string): HmacRejected {
  return keyId === undefined ? { ok: false, reason, message } : { ok: false, reason, message, keyId };
}

/** Verifies one message by a scheme; `body` is the caller's copy of the body, when it already read it. */
export type SchemeVerify = (
  message: Request | Response,
  options: { readonly body?: ContentDigestInput },
) => Promise<HmacVerifyResult>;
