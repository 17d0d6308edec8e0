// Canonical request (SigV4 "Task 1"): method, canonical URI, canonical query, canonical headers, signed headers
// and the hashed payload, one per line.
import { canonicalHeaders } from './canonical-headers.ts';
import { canonicalQuery } from './canonical-query.ts';
import { canonicalUri } from './canonical-uri.ts';

export interface CanonicalRequestInput {
  readonly method: string;
  /** The path as sent. */
  readonly path: string;
  /** The query as sent, with or without `?`. */
  readonly search: string;
  /** Every header to consider, `host` included. */
  readonly headers: Iterable<readonly [string, string]>;
  readonly payloadHash: string;
  readonly uriEscapePath: boolean;
}

export interface CanonicalRequest {
  readonly text: string;
  readonly signedHeaders: string;
}

export function canonicalRequest(input: CanonicalRequestInput): CanonicalRequest {
  const headers = canonicalHeaders(input.headers);
  return {
    text:
      `${input.method}\n${canonicalUri(input.path, input.uriEscapePath)}\n${canonicalQuery(input.search)}\n` +
      `${headers.canonical}\n${headers.signed}\n${input.payloadHash}`,
    signedHeaders: headers.signed,
  };
}
