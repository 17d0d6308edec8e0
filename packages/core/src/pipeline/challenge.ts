import type { AuthContext, ChallengeContext, RequestDraft } from '../authenticator.ts';
import { raceSignal } from '../deadline.ts';
import { type Challenge, parseWwwAuthenticate } from '../www-authenticate.ts';
import type { PipelineConfig } from './config.ts';
import { discard } from './redirects.ts';

/** What the challenge stage decided: replay the hop once, or hand the 401 back (and why not replayed). */
export type ChallengeVerdict =
  | { readonly replay: true }
  | { readonly replay: false; readonly challenges: readonly Challenge[]; readonly replayBlocked?: string };

const STREAM_BLOCKED =
  'the request body is a ReadableStream, which cannot be sent twice, so the 401 was not replayed with fresh credentials';

// A challenge's `error` is partner-controlled text: events keep it only when it looks like an error code.
function errorCode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z][a-z0-9_.-]{0,63}$/i.test(value) && !/\d{6}/.test(value) ? value : 'other';
}

/**
 * The challenge stage, for a 401 from a hop that carried credentials, once per call: each authenticator with a
 * `challenge` sees the response and the draft as sent, refreshes what it owns, and says whether one replay of
 * this hop is worthwhile. `insufficient_scope` is never replayed (a new token would not have more scope); a
 * stream body cannot be.
 */
export async function challengeStage(
  config: PipelineConfig,
  response: Response,
  sent: RequestDraft,
  context: AuthContext,
): Promise<ChallengeVerdict> {
  const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate'));
  if (challenges.some((c) => c.params.error === 'insufficient_scope')) return { replay: false, challenges };
  if (sent.body === null) return { replay: false, challenges, replayBlocked: STREAM_BLOCKED };
  const challengeContext: ChallengeContext = { ...context, challenges };
  const error = errorCode(challenges.find((c) => c.params.error !== undefined)?.params.error);
  let replay = false;
  for (const authenticator of config.authenticators) {
    if (!authenticator.challenge) continue;
    // Only the authenticators that name a non-401 status as a rejection are asked about it.
    if (response.status !== 401 && authenticator.challengeStatuses?.includes(response.status) !== true)
      continue;
    const copy = response.clone();
    const outcome = await raceSignal(authenticator.challenge(copy, sent, challengeContext), context.signal);
    discard(copy);
    config.emit({
      type: 'challenge:handled',
      authenticator: authenticator.name,
      status: response.status,
      ...(error === undefined ? {} : { error }),
      outcome,
    });
    if (outcome === 'replay') replay = true;
  }
  if (!replay) return { replay: false, challenges };
  discard(response);
  return { replay: true };
}
