// What hmacAuth asks of each of its schemes: sign one attempt of a request with the key it read.
import { type AuthContext, ConfigError, type RequestDraft } from '@attache/core';
import type { SigningEntry } from './signing-key-source.ts';

/** hmacAuth's error for a `ReadableStream` body the signature must cover: only bytes read ahead can be signed. */
export function streamBodyError(): never {
  throw new ConfigError(
    `hmacAuth: cannot sign a request whose body is a ReadableStream: the signature covers the exact body bytes. ` +
      'Pass the body as a string, bytes, Blob, FormData or URLSearchParams',
  );
}

/** Signs one attempt of a request with a scheme, with the key hmacAuth read. */
export type SchemeSign = (draft: RequestDraft, context: AuthContext, key: SigningEntry) => Promise<void>;
