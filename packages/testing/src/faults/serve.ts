import { sleep } from '@attache/core/internal';
import { getResponse, HttpResponse, http, type RequestHandler } from 'msw';
import type { Produce } from '../faults.ts';
import { type FaultState, takeRule } from './rules.ts';

/** The server's time: the clock plus the skew. */
export function serverNow(state: FaultState): number {
  return state.clock() + state.skew;
}

/** A copy of `response` whose `Date` header says `now`. */
function withDate(response: Response, now: number): Response {
  const headers = new Headers(response.headers);
  headers.set('date', new Date(now).toUTCString());
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Answers `request`: injected delays and failures first, then `produce`, then the server's `Date`. */
export async function serveFaulted(
  state: FaultState,
  request: Request,
  produce: Produce,
): Promise<Response | undefined> {
  const counts = state.counts;
  counts.requests++;
  // Decided on arrival, before any await: concurrent requests use faults up in arrival order.
  const delay = takeRule(state, ['delay'], request);
  const outcome = takeRule(state, ['fail', 'network'], request);
  if (delay !== undefined) {
    counts.delayed++;
    // A client that gave up ends the delay; the answer then goes to no one, which is harmless, where
    // a rejection here would surface as an error in the test's msw handler.
    await sleep(delay.ms, request.signal).catch(() => undefined);
  }
  if (outcome?.kind === 'network') {
    counts.networkErrors++;
    return HttpResponse.error();
  }
  let response: Response | undefined;
  if (outcome?.kind === 'fail') {
    counts.failed++;
    response = outcome.respond();
  } else {
    response = await produce();
  }
  if (response === undefined || response.type === 'error') return response;
  // A handler's own `Date` is kept unless the clock is skewed; the mocks never set one.
  return state.skew !== 0 || !response.headers.has('date') ? withDate(response, serverNow(state)) : response;
}

/** One msw handler answering what `handlers` answer, through the faults (see `Faults.wrap`). */
export function wrapHandlers(state: FaultState, handlers: readonly RequestHandler[]): RequestHandler[] {
  const inner = [...handlers];
  const handles = async (request: Request): Promise<boolean> => {
    for (const handler of inner) if (await handler.test({ request })) return true;
    return false;
  };
  return [
    http.all(
      ({ request }) => handles(request),
      ({ request }) => serveFaulted(state, request, () => getResponse(inner, request)),
    ),
  ];
}
