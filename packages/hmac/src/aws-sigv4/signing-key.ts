// Signing key (SigV4 "Task 3"): HMAC-SHA256 chained over the date, region, service and `aws4_request`, starting
// from `AWS4` + the secret key. It changes once a day per scope, so it is derived once and kept.
import { utf8 } from '../encoding.ts';
import { importPreparedKey, signNow } from '../signature-algorithm.ts';

async function hmac(key: Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array<ArrayBuffer>> {
  const imported = await importPreparedKey({ format: 'raw', data: key }, 'hmac-sha256', 'sign');
  return new Uint8Array(await signNow('hmac-sha256', imported, data));
}

/** The signing key for one day and scope, imported for signing. */
export async function deriveSigningKey(
  secretAccessKey: string,
  shortDate: string,
  region: string,
  service: string,
): Promise<CryptoKey> {
  let key = utf8(`AWS4${secretAccessKey}`);
  for (const part of [shortDate, region, service, 'aws4_request']) key = await hmac(key, part);
  return importPreparedKey({ format: 'raw', data: key }, 'hmac-sha256', 'sign');
}
