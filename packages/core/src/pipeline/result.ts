import type { RequestDraft } from '../authenticator.ts';
import { type RedactedRequest, redactRequest, SENSITIVE_HEADERS, SENSITIVE_QUERY, type SensitiveNames } from '../redact.ts';
import { type Challenge, parseWwwAuthenticate } from '../www-authenticate.ts';

/**
 * The pipeline's typed result for one call: the final response and what the pipeline learned on the way.
 * `createClient` builds its typed errors from it.
 */
export interface PipelineResult {
  readonly response: Response;
  /** How many attempts were made (retries and the 401 replay included; redirect hops are not attempts). */
  readonly attempts: number;
  /** A redacted snapshot of the last hop as sent, credentials masked. */
  readonly request: RedactedRequest;
  /** The final response's `WWW-Authenticate` challenges, parsed. */
  readonly challenges: readonly Challenge[];
  /** The server's `Retry-After` in ms on a final 429/503 that was not waited for. */
  readonly retryAfter: number | undefined;
  /** Why a 401 was not replayed with fresh credentials, when replay was impossible. */
  readonly replayBlocked: string | undefined;
  /**
   * Masks, in text the partner sent back (headers of an error response), every credential value the last hop
   * carried: partners do echo request URLs and tokens into `Location` or `WWW-Authenticate`.
   */
  scrub(text: string): string;
}

/** What the finalize stage is told besides the response. */
export interface FinalDetails {
  readonly challenges?: readonly Challenge[] | undefined;
  readonly retryAfter?: number | undefined;
  readonly replayBlocked?: string | undefined;
}

// A class: one shape for every call, and the snapshot and challenge parse only when someone reads them.
class CallResult implements PipelineResult {
  readonly response: Response;
  readonly attempts: number;
  readonly retryAfter: number | undefined;
  readonly replayBlocked: string | undefined;
  readonly #sent: RequestDraft;
  readonly #sensitive: SensitiveNames;
  #challenges: readonly Challenge[] | undefined;
  #request: RedactedRequest | undefined;

  constructor(response: Response, attempts: number, sent: RequestDraft, sensitive: SensitiveNames, details: FinalDetails) {
    this.response = response;
    this.attempts = attempts;
    this.retryAfter = details.retryAfter;
    this.replayBlocked = details.replayBlocked;
    this.#challenges = details.challenges;
    this.#sent = sent;
    this.#sensitive = sensitive;
  }

  get request(): RedactedRequest {
    this.#request ??= redactRequest(this.#sent, this.#sensitive);
    return this.#request;
  }

  get challenges(): readonly Challenge[] {
    this.#challenges ??= parseWwwAuthenticate(this.response.headers.get('www-authenticate'));
    return this.#challenges;
  }

  scrub(text: string): string {
    return scrubCredentials(text, this.#sent, this.#sensitive);
  }
}

/** The finalize stage: the typed result of a call. */
export function finalizeStage(
  response: Response,
  attempts: number,
  sent: RequestDraft,
  sensitive: SensitiveNames,
  details: FinalDetails = {},
): PipelineResult {
  return new CallResult(response, attempts, sent, sensitive, details);
}

/**
 * The credential values `sent` carried, as they could appear in text: whole header values, the last word of
 * a scheme-prefixed one (`Bearer <token>`), cookie values, and query values (raw and percent-encoded).
 */
function scrubCredentials(text: string, sent: RequestDraft, sensitive: SensitiveNames): string {
  const values = new Set<string>();
  sent.headers.forEach((value, name) => {
    if (!SENSITIVE_HEADERS.has(name) && !sensitive.headers.has(name)) return;
    values.add(value);
    const last = value.split(' ').pop();
    if (last) values.add(last);
    if (name === 'cookie') for (const part of value.split(';')) values.add(part.split('=').slice(1).join('=').trim());
  });
  sent.url.searchParams.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (!sensitive.query.has(lower) && !SENSITIVE_QUERY.has(lower)) return;
    values.add(value);
    values.add(encodeURIComponent(value));
  });
  let out = text;
  // Short values would mask ordinary words; credentials are longer than this.
  for (const value of [...values].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length)) {
    out = out.split(value).join('[redacted]');
  }
  return out;
}
