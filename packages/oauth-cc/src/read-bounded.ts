import { raceSignal } from '@attache/core/internal';

/** Default of `maxResponseBytes`: far above any real token response or metadata document. */
export const DEFAULT_MAX_RESPONSE_BYTES: number = 64 * 1024;

/** Why {@link readBounded} stopped reading: the answer was larger than allowed. */
export interface TooLarge {
  readonly tooLarge: true;
  readonly limit: number;
}

/**
 * Reads a response body as UTF-8 text, at most `limit` bytes. A larger body (by its `Content-Length`, or
 * once more bytes than that have arrived) is cancelled at once and reported as {@link TooLarge}: memory
 * stays bounded whatever the server sends. Every read is raced against `signal`, so a body that trickles
 * in is cut at the deadline (the stream is cancelled and the signal's reason thrown), even through a
 * transport that ignores the signal.
 */
export async function readBounded(
  response: Response,
  limit: number,
  signal: AbortSignal,
): Promise<string | TooLarge> {
  const body = response.body;
  if (body === null) return '';
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await body.cancel().catch(() => undefined);
    return { tooLarge: true, limit };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await raceSignal(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return { tooLarge: true, limit };
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** True for a valid `maxResponseBytes`: a whole number of bytes above zero. */
export function isByteLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
