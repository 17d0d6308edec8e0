import type { ApiKeyGuard } from '../api-key-guard.ts';
import { checkApiKey } from '../api-key-guard.ts';
import type { BearerGuard } from '../bearer-guard.ts';
import { type Faults, serveWithFaults } from '../faults.ts';
import type { GuardRejection } from '../guard-result.ts';
import type { HmacGuard } from '../hmac-guard.ts';
import type { PartnerCall, PartnerPrincipal, PartnerRequestInfo } from '../mock-partner-api.ts';
import { type Route, toResponse } from './routes.ts';

/** The API's guards, counts and call log, shared by every route. */
export interface PartnerState {
  readonly faults: Faults;
  readonly apiKeyGuard: ApiKeyGuard | undefined;
  /** The API keys accepted now (`setApiKeys` replaces them). */
  apiKeys: readonly string[];
  readonly bearerGuard: BearerGuard | undefined;
  readonly hmacGuard: HmacGuard | undefined;
  readonly counts: { total: number; accepted: number; rejected: number; faulted: number };
  readonly requests: PartnerCall[];
}

type Outcome = Omit<PartnerCall, 'method' | 'url' | 'route'>;

const NOBODY = { clientId: undefined, keyId: undefined } as const;

/**
 * Answers one request to `route`: faults first, then every guard in order (`apiKey`, `bearer`, `hmac`;
 * none for a public route), then the route. Each request is counted and logged once, with its outcome.
 */
export async function answerRoute(
  state: PartnerState,
  route: Route,
  request: Request,
  params: PartnerRequestInfo['params'],
): Promise<Response | undefined> {
  state.counts.total++;
  let recorded = false;
  // Logged as soon as the outcome is known, so the log keeps the order in which requests were decided.
  const record = (outcome: Outcome): void => {
    recorded = true;
    state.requests.push({
      method: request.method,
      url: loggedUrl(state, request.url),
      route: route.key,
      ...outcome,
    });
  };
  const response = await serveWithFaults(state.faults, request, async () => {
    const principal = route.public ? anonymous() : await admit(state, request, route);
    if ('ok' in principal) {
      state.counts.rejected++;
      record({
        status: principal.response.status,
        outcome: 'rejected',
        rejectedBy: principal.guard,
        reason: principal.reason,
        ...NOBODY,
      });
      return principal.response;
    }
    state.counts.accepted++;
    const answered = toResponse(await route.respond({ request, params, principal }));
    const clientId = (principal.token as { client_id?: unknown } | undefined)?.client_id;
    record({
      status: answered.status,
      outcome: 'accepted',
      rejectedBy: undefined,
      reason: undefined,
      clientId: typeof clientId === 'string' ? clientId : undefined,
      keyId: principal.signature?.keyId,
    });
    return answered;
  });
  if (!recorded) {
    // Neither a guard nor the route ran: a fault answered.
    state.counts.faulted++;
    record({
      status: response?.status ?? 0,
      outcome: 'faulted',
      rejectedBy: undefined,
      reason: undefined,
      ...NOBODY,
    });
  }
  return response;
}

function anonymous(): PartnerPrincipal {
  return { apiKey: undefined, token: undefined, signature: undefined };
}

/** Runs the guards in order; the first refusal is the answer. */
async function admit(
  state: PartnerState,
  request: Request,
  route: Route,
): Promise<PartnerPrincipal | GuardRejection> {
  let principal = anonymous();
  const now = state.faults.now();
  if (state.apiKeyGuard !== undefined) {
    const result = checkApiKey(request, state.apiKeyGuard, state.apiKeys);
    if (!result.ok) return result;
    principal = { ...principal, apiKey: result.key };
  }
  if (state.bearerGuard !== undefined) {
    const result = await state.bearerGuard.check(request, now, route.scopes);
    if (!result.ok) return result;
    principal = { ...principal, token: result.claims };
  }
  if (state.hmacGuard !== undefined) {
    const result = await state.hmacGuard.check(request);
    if (!result.ok) return result;
    principal = { ...principal, signature: result.signature };
  }
  return principal;
}

/** The URL as logged: an API key in the query is masked, as Attaché masks credentials everywhere. */
function loggedUrl(state: PartnerState, url: string): string {
  const guard = state.apiKeyGuard;
  if (guard?.in !== 'query') return url;
  const parsed = new URL(url);
  if (!parsed.searchParams.has(guard.name)) return url;
  parsed.searchParams.set(guard.name, '[redacted]');
  return parsed.href;
}
