// Hashed payload (SigV4 HashedPayload): the caller's `x-amz-content-sha256` when it set one (S3's
// `UNSIGNED-PAYLOAD`, `STREAMING-...`), else the lower-case hex SHA-256 of the exact body bytes, of zero bytes
// when there is no body.
import { hashNow } from '../content-digest.ts';
import { encodeBytes } from '../encoding.ts';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const EMPTY = new Uint8Array(0);

export function payloadHash(
  headers: Headers,
  body: Uint8Array<ArrayBuffer> | undefined,
): string | Promise<string> {
  const given = headers.get('x-amz-content-sha256');
  if (given !== null) return given;
  const digest = hashNow('sha-256', body ?? EMPTY);
  return digest instanceof Promise ? digest.then((d) => encodeBytes(d, 'hex')) : encodeBytes(digest, 'hex');
}
