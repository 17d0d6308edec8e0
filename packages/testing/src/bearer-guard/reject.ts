import { errorResponse, type GuardRejection } from '../guard-result.ts';
import type { BearerGuardState, BearerSettings } from './settings.ts';

/** An `auth-param` value: RFC 6750 §3 allows neither `"` nor `\` in `error_description`. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "'")}"`;
}

function challenge(
  settings: BearerSettings,
  scheme: 'Bearer' | 'DPoP',
  params: Readonly<Record<string, string>> = {},
): string {
  const parts = [
    `realm=${quoted(settings.realm)}`,
    ...Object.entries(params).map(([name, value]) => `${name}=${quoted(value)}`),
  ];
  if (scheme === 'DPoP') parts.push(`algs=${quoted(settings.algorithms.join(' '))}`);
  return `${scheme} ${parts.join(', ')}`;
}

/**
 * A refusal with its `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7): without `error` (no
 * credentials) every scheme the API takes is offered; `use_dpop_nonce` also sends the current `DPoP-Nonce`.
 */
export function reject(
  state: BearerGuardState,
  status: number,
  scheme: 'Bearer' | 'DPoP',
  error: string | undefined,
  description: string,
  extra: Readonly<Record<string, string>> = {},
): GuardRejection {
  const settings = state.settings;
  const params: Record<string, string> =
    error === undefined ? {} : { error, error_description: description, ...extra };
  const challenges =
    error === undefined
      ? // No credentials: offer every scheme the API takes (RFC 9449 §7.1).
        [settings.dpopRequired ? undefined : challenge(settings, 'Bearer'), challenge(settings, 'DPoP')]
          .filter(Boolean)
          .join(', ')
      : challenge(settings, scheme, params);
  const headers: Record<string, string> = { 'www-authenticate': challenges };
  if (error === 'use_dpop_nonce' && state.nonce !== undefined) headers['dpop-nonce'] = state.nonce;
  return {
    ok: false,
    guard: 'bearer',
    reason: error === undefined ? description : `${error}: ${description}`,
    response: errorResponse(status, error ?? 'unauthorized', description, headers),
  };
}
