// RFC 9421 §2.3: the signature parameters a verifier reads from any signer's `Signature-Input`.
import type { BareItem } from '../structured-fields.ts';

/** The parameters a verifier acts on. */
export interface SignatureParams {
  readonly keyId: string;
  readonly created: number | undefined;
  readonly expires: number | undefined;
  readonly nonce: string | undefined;
  readonly alg: string | undefined;
}

/** Reads the parameters of a `Signature-Input` member, or says which one is malformed. */
export function readParams(params: ReadonlyMap<string, BareItem>): SignatureParams | string {
  const integer = (name: string): number | undefined | string => {
    const value = params.get(name);
    if (value === undefined) return undefined;
    return value.type === 'integer' ? value.value : `${name} is not an integer`;
  };
  const text = (name: string): string | undefined | { error: string } => {
    const value = params.get(name);
    if (value === undefined) return undefined;
    return value.type === 'string' ? value.value : { error: `${name} is not a string` };
  };
  const keyId = text('keyid');
  if (keyId === undefined) return 'no keyid parameter';
  if (typeof keyId === 'object') return keyId.error;
  const created = integer('created');
  if (typeof created === 'string') return created;
  const expires = integer('expires');
  if (typeof expires === 'string') return expires;
  const nonce = text('nonce');
  if (typeof nonce === 'object') return nonce.error;
  const alg = text('alg');
  if (typeof alg === 'object') return alg.error;
  return { keyId, created, expires, nonce, alg };
}
