import type { HopAccess } from './origin-gate.ts';

/**
 * One hop of a call: the caller's request at first, then each redirect target. Retries and the 401 replay
 * send the same hop again; a hop that was answered with a redirect is never sent again.
 */
export interface Hop {
  readonly url: URL;
  readonly method: string;
  /** The caller's headers for this hop (their credential headers dropped after a change of origin). */
  readonly headers: Headers;
  /** Body bytes, `undefined` for none, `null` for the caller's stream (first hop only). */
  readonly body: Uint8Array<ArrayBuffer> | null | undefined;
  /**
   * `credentials`: the authenticators run for this hop; `plain`: nothing to attach; `withheld`: its origin, or
   * that of a hop before it, is outside the allow-list, so it goes out bare and its answer comes back as it is
   * (no challenge, no retry).
   */
  readonly access: HopAccess;
  /** How many redirects led here: 0 for the caller's own request. */
  readonly index: number;
}
