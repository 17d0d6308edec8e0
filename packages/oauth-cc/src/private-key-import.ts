import { importJWK, importPKCS8, type JWK } from 'jose';

// Loaded when a key is first used (a dynamic import), so a client that never signs with a PEM or a JWK does
// not carry jose's key import and ASN.1 code.

/** Imports a PKCS#8 PEM for `alg`. */
export function importPemKey(pem: string, alg: string): Promise<CryptoKey> {
  return importPKCS8(pem, alg);
}

/** Imports a private JWK for `alg` (the JWK's own `alg` when `undefined`). */
export async function importJwkKey(jwk: JWK, alg: string | undefined): Promise<CryptoKey> {
  return (await importJWK(jwk, alg)) as CryptoKey;
}
