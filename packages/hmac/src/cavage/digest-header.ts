// RFC 3230 `Digest: SHA-256=<base64>`: what draft-cavage deployments sign to cover the body (before RFC 9530).
import { hashNow } from '../content-digest.ts';
import { encodeBytes } from '../encoding.ts';

export function digestHeader(body: Uint8Array<ArrayBuffer>): string | Promise<string> {
  const digest = hashNow('sha-256', body);
  const write = (bytes: Uint8Array) => `SHA-256=${encodeBytes(bytes, 'base64')}`;
  return digest instanceof Promise ? digest.then(write) : write(digest);
}
