import { decodeJwt } from 'jose';

/** The `exp` claim of a JWT, or `undefined` when `token` does not decode as one or carries no finite `exp`. */
export function decodeJwtExp(token: string): number | undefined {
  let exp: unknown;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    return undefined;
  }
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
}
