/** Which guard refused a request. */
export type PartnerGuardName = 'apiKey' | 'bearer' | 'hmac';

/** A guard's refusal: the response to send and a reason for the call log. */
export interface GuardRejection {
  readonly ok: false;
  readonly guard: PartnerGuardName;
  readonly reason: string;
  readonly response: Response;
}

/** A JSON error answer with optional headers. */
export function errorResponse(
  status: number,
  error: string,
  description: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return Response.json({ error, error_description: description }, { status, headers });
}
