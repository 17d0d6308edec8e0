import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { ClientAuthMethod } from '../client-authentication.ts';
import { ASSERTION_ALGORITHMS, ASSERTION_TYPE, HMAC_ALGORITHMS, KEY_ALGORITHMS } from './algorithms.ts';
import { type ClientAuthFailure, failure } from './failure.ts';

/** The credentials a token request presented, by the one method it used; not checked against a client yet. */
export interface PresentedCredentials {
  readonly ok: true;
  readonly clientId: string;
  readonly method: ClientAuthMethod;
  /** Whether the client used the `Authorization` header (refusals then carry a Basic challenge). */
  readonly basic: boolean;
  /** The secret sent, for `client_secret_basic` and `client_secret_post`. */
  readonly secret?: string;
  /** The JWT sent, for `client_secret_jwt` and `private_key_jwt`. */
  readonly assertion?: string;
}

/** RFC 6749 §2.3.1 / Appendix B: `application/x-www-form-urlencoded` decoding of one value. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Decodes `Basic <base64(urlencode(id):urlencode(secret))>`; `undefined` when malformed. */
function decodeBasic(header: string): { readonly id: string; readonly secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  let text: string;
  try {
    const binary = atob(match[1]);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(text.slice(0, colon));
  const secret = formDecode(text.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

function fromBasic(
  authorization: string,
  bodyClientId: string | undefined,
  issuer: string,
): PresentedCredentials | ClientAuthFailure {
  const decoded = decodeBasic(authorization);
  if (decoded === undefined) {
    return failure(bodyClientId, 'malformed Basic credentials (base64 of form-urlencoded id ":" secret)', {
      basic: true,
      issuer,
    });
  }
  if (bodyClientId !== undefined && bodyClientId !== decoded.id) {
    return failure(bodyClientId, 'client_id in the body differs from the Basic credentials', {
      basic: true,
      issuer,
    });
  }
  return {
    ok: true,
    clientId: decoded.id,
    method: 'client_secret_basic',
    basic: true,
    secret: decoded.secret,
  };
}

function fromPost(
  params: URLSearchParams,
  bodyClientId: string | undefined,
): PresentedCredentials | ClientAuthFailure {
  if (bodyClientId === undefined) {
    return failure(undefined, 'client_secret_post needs client_id in the body', { error: 'invalid_request' });
  }
  const secret = params.get('client_secret') ?? '';
  return { ok: true, clientId: bodyClientId, method: 'client_secret_post', basic: false, secret };
}

function fromAssertion(
  params: URLSearchParams,
  bodyClientId: string | undefined,
): PresentedCredentials | ClientAuthFailure {
  if (params.get('client_assertion_type') !== ASSERTION_TYPE) {
    return failure(bodyClientId, `client_assertion_type must be ${ASSERTION_TYPE}`, {
      error: 'invalid_request',
    });
  }
  const assertion = params.get('client_assertion') ?? '';
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    return failure(bodyClientId, 'client_assertion is not a JWT');
  }
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  if (subject === undefined) return failure(bodyClientId, 'client_assertion has no sub claim');
  if (bodyClientId !== undefined && bodyClientId !== subject) {
    return failure(bodyClientId, 'client_id differs from the client_assertion sub claim');
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const method: ClientAuthMethod | undefined = HMAC_ALGORITHMS.includes(alg)
    ? 'client_secret_jwt'
    : KEY_ALGORITHMS.includes(alg)
      ? 'private_key_jwt'
      : undefined;
  if (method === undefined) {
    return failure(subject, `client_assertion alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
  return { ok: true, clientId: subject, method, basic: false, assertion };
}

/**
 * The credentials of a token request, by whichever one method it used. More than one method, or none, is
 * refused (RFC 6749 §2.3).
 */
export function presentedCredentials(
  request: Request,
  params: URLSearchParams,
  issuer: string,
): PresentedCredentials | ClientAuthFailure {
  const authorization = request.headers.get('authorization');
  const usesBasic = authorization !== null && /^basic\b/i.test(authorization);
  const usesPost = params.has('client_secret');
  const usesAssertion = params.has('client_assertion') || params.has('client_assertion_type');
  const bodyClientId = params.get('client_id') ?? undefined;
  const used = [usesBasic, usesPost, usesAssertion].filter(Boolean).length;
  if (used > 1) {
    return failure(bodyClientId, 'the client used more than one authentication method', {
      error: 'invalid_request',
    });
  }
  if (used === 0) {
    return failure(bodyClientId, 'client authentication is required for the client_credentials grant');
  }
  if (usesBasic) return fromBasic(authorization ?? '', bodyClientId, issuer);
  if (usesPost) return fromPost(params, bodyClientId);
  return fromAssertion(params, bodyClientId);
}
