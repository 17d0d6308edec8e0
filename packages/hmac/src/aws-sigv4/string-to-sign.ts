// String to sign (SigV4 "Task 2"): the algorithm, the request date, the credential scope and the hex SHA-256 of
// the canonical request. Dates are UTC: `20150830T123600Z` and `20150830`.
import { encodeBytes, utf8 } from '../encoding.ts';
import { nativeDigest } from '../native-crypto.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SigningDate {
  /** `YYYYMMDDTHHMMSSZ` */
  readonly long: string;
  /** `YYYYMMDD` */
  readonly short: string;
}

// Requests signed within the same second share their date: formatting it is a visible share of a signature.
let lastSecond = Number.NaN;
let lastDate: SigningDate = { long: '', short: '' };

export function signingDate(epochMs: number): SigningDate {
  const second = Math.floor(epochMs / 1000);
  if (second === lastSecond) return lastDate;
  const long = new Date(second * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  lastSecond = second;
  lastDate = { long, short: long.slice(0, 8) };
  return lastDate;
}

export function credentialScope(date: SigningDate, region: string, service: string): string {
  return `${date.short}/${region}/${service}/aws4_request`;
}

export function stringToSign(
  date: SigningDate,
  scope: string,
  canonicalRequest: string,
): string | Promise<string> {
  const build = (digest: Uint8Array): string =>
    `${ALGORITHM}\n${date.long}\n${scope}\n${encodeBytes(digest, 'hex')}`;
  // The text goes to a native hash as it is, without an encoded copy.
  const fast = nativeDigest('SHA-256', canonicalRequest);
  if (fast !== undefined) return build(fast);
  return crypto.subtle.digest('SHA-256', utf8(canonicalRequest)).then((d) => build(new Uint8Array(d)));
}
