// The authenticator around a signer, shared by hmacAuth and cavageSignatureAuth: it keeps what each call signed
// with, so a rejection can tell whether signing again would help. awsSigV4Auth, whose challenge reads the
// service's error codes, uses its clock check and body bytes only.
import type { AuthContext, Authenticator, RequestDraft } from '@attache/core';
import { ownBytes } from './encoding.ts';
import type { SigningEntry, SigningKeySource } from './signing-key-source.ts';

// The pipeline learns offsets from `Date`, which has one-second resolution: below two seconds is noise.
const CLOCK_CORRECTION_MS = 2_000;

/** Whether the client's clock correction moved since a request was signed at `offset`. */
export function clockMoved(context: AuthContext, offset: number): boolean {
  return Math.abs(context.clock.offset - offset) >= CLOCK_CORRECTION_MS;
}

/** The draft's body bytes on an ArrayBuffer of their own (the pipeline's are already); `null` for a stream. */
export function draftBody(draft: RequestDraft): Uint8Array<ArrayBuffer> | null | undefined {
  const given = draft.body;
  return given === null || given === undefined || given.buffer instanceof ArrayBuffer
    ? given
    : ownBytes(given);
}

export interface SignerSpec {
  readonly name: string;
  readonly sensitiveHeaders: readonly string[];
  readonly source: SigningKeySource;
  /** Signs one attempt with the source's current key. */
  sign(draft: RequestDraft, context: AuthContext, key: SigningEntry): Promise<void>;
}

/**
 * On a 401 it asks for one replay when the client's clock correction moved since the request was signed, or
 * when a rotating key source now has another key.
 */
export function signerAuthenticator(spec: SignerSpec): Authenticator {
  const source = spec.source;
  // The clock offset and key each call last signed with, by the call's signal (one per call, shared by its
  // attempts and its challenge).
  const signedWith = new WeakMap<AbortSignal, { offset: number; key: SigningEntry }>();
  return {
    name: spec.name,
    signer: true,
    sensitiveHeaders: spec.sensitiveHeaders,
    async attach(draft, context) {
      const current = source.current();
      const key = current instanceof Promise ? await current : current;
      await spec.sign(draft, context, key);
      signedWith.set(context.signal, { offset: context.clock.offset, key });
    },
    async challenge(_response, _sent, context) {
      const signed = signedWith.get(context.signal);
      if (signed === undefined) return 'fail';
      if (clockMoved(context, signed.offset)) return 'replay';
      return source.rotates && (await source.renew(signed.key)) ? 'replay' : 'fail';
    },
  };
}
