import { base64url } from 'jose';

/** 128 random bits, base64url: for `jti` claims, nonces and key ids. */
export function randomId(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
}
