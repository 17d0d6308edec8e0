import { type AuthContext, type Authenticator, ConfigError, type RequestDraft } from '@attache/core';
import { encodeBytes } from '../encoding.ts';
import { percentEncode } from '../percent-encode.ts';
import { signNow } from '../signature-algorithm.ts';
import { clockMoved, draftBody } from '../signer-authenticator.ts';
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  type CredentialsEntry,
  type CredentialsSource,
  createCredentialsSource,
} from './aws-credentials.ts';
import { canonicalRequest } from './canonical-request.ts';
import { payloadHash, UNSIGNED_PAYLOAD } from './payload-hash.ts';
import { ALGORITHM, credentialScope, type SigningDate, signingDate, stringToSign } from './string-to-sign.ts';

/**
 * Options of {@link awsSigV4Auth}.
 *
 * @example
 * ```ts
 * awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: fromEnvironment });
 * awsSigV4Auth({ region: 'us-east-1', service: 's3', credentials, uriEscapePath: false, unsignedPayload: true });
 * ```
 */
export interface AwsSigV4AuthOptions {
  /** The signing region, e.g. `'eu-west-1'`. */
  readonly region: string;
  /** The signing name of the service, e.g. `'execute-api'`, `'s3'`, `'sts'`. */
  readonly service: string;
  /** The credentials, or a provider of temporary ones (read again before `expiration` and after `ExpiredToken`). */
  readonly credentials: AwsCredentials | AwsCredentialsProvider;
  /** `'header'` (default): the `Authorization` header. `'query'`: a presigned URL (`X-Amz-*` query parameters). */
  readonly signatureLocation?: 'header' | 'query';
  /** Query form: seconds the URL stays valid, 1 to 604800. Default `900`. */
  readonly expiresIn?: number;
  /** Sign `UNSIGNED-PAYLOAD` instead of the body's SHA-256 (S3 allows it). Default `false`. */
  readonly unsignedPayload?: boolean;
  /**
   * Encode the path once more and resolve `.`/`..` and empty segments, as every service but S3 expects. Default
   * `true`; set `false` for S3.
   */
  readonly uriEscapePath?: boolean;
  /** Header form: send the payload hash as `x-amz-content-sha256` (S3 requires it). Default `true`. */
  readonly contentSha256Header?: boolean;
  /** Read provider credentials again this many seconds before they expire. Default `300`. */
  readonly refreshBefore?: number;
}

// Signature errors the services answer with (403 mostly, 400 from some query APIs): a skewed clock, and expired
// temporary credentials.
const SKEW_CODES =
  /RequestTimeTooSkewed|RequestExpired|Signature expired|Signature not yet current|RequestInTheFuture/;
const EXPIRED_CODES = /ExpiredToken|TokenRefreshRequired|InvalidClientTokenId|InvalidAccessKeyId/;
const NAME = /^[a-z0-9-]+$/;
const AMZ_QUERY = /^x-amz-(algorithm|credential|date|expires|signedheaders|security-token|signature)$/i;

function fail(message: string): never {
  throw new ConfigError(`awsSigV4Auth: ${message}`);
}

/**
 * Signs every request with AWS Signature Version 4 (`AWS4-HMAC-SHA256`), in the `Authorization` header or as a
 * presigned URL, on WebCrypto (Node, browsers, edge). Each attempt is signed afresh with the client's corrected
 * clock; a `RequestTimeTooSkewed` answer gets one replay once the pipeline has learned the service's time, and
 * `ExpiredToken` one replay after reading the credentials provider again.
 *
 * @throws {ConfigError} synchronously for invalid options, and from `attach` for a `ReadableStream` body that
 *   would have to be hashed (use `unsignedPayload`), or credentials the provider returned that cannot be used.
 * @example
 * ```ts
 * const fetch = createFetch({
 *   baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
 *   auth: awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: () => sts.assumeRole() }),
 * });
 * ```
 */
export function awsSigV4Auth(options: AwsSigV4AuthOptions): Authenticator {
  const settings = awsSettings(options);
  const { source } = settings;
  const signedWith = new WeakMap<AbortSignal, { offset: number; credentials: CredentialsEntry }>();
  return {
    name: 'aws-sigv4',
    signer: true,
    sensitiveHeaders: ['authorization', 'x-amz-security-token'],
    sensitiveQuery: ['X-Amz-Signature', 'X-Amz-Security-Token', 'X-Amz-Credential'],
    challengeStatuses: [400, 403],
    async attach(draft, context) {
      const credentials = await signAws(draft, context, settings);
      signedWith.set(context.signal, { offset: context.clock.offset, credentials });
    },
    async challenge(response, _sent, context) {
      const signed = signedWith.get(context.signal);
      if (signed === undefined) return 'fail';
      const text = await response.text().catch(() => '');
      if (SKEW_CODES.test(text)) return clockMoved(context, signed.offset) ? 'replay' : 'fail';
      if (EXPIRED_CODES.test(text) && source.rotates) {
        return (await source.renew(signed.credentials)) ? 'replay' : 'fail';
      }
      return 'fail';
    },
  };
}

interface AwsSettings {
  readonly region: string;
  readonly service: string;
  readonly location: 'header' | 'query';
  readonly expiresIn: number;
  readonly unsignedPayload: boolean;
  readonly uriEscapePath: boolean;
  readonly contentSha256Header: boolean;
  readonly source: CredentialsSource;
}

function awsSettings(options: AwsSigV4AuthOptions): AwsSettings {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { region, service } = options;
  if (typeof region !== 'string' || !NAME.test(region))
    fail('region must be a region name such as "eu-west-1"');
  if (typeof service !== 'string' || !NAME.test(service)) fail('service must be a signing name such as "s3"');
  const location = options.signatureLocation ?? 'header';
  if (location !== 'header' && location !== 'query') fail(`signatureLocation must be 'header' or 'query'`);
  const expiresIn = options.expiresIn ?? 900;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800) {
    fail('expiresIn must be a whole number of seconds from 1 to 604800');
  }
  const refreshBefore = options.refreshBefore ?? 300;
  if (typeof refreshBefore !== 'number' || !(refreshBefore >= 0))
    fail('refreshBefore must be seconds, 0 or more');
  if (options.credentials === undefined || options.credentials === null) fail('credentials are required');
  return {
    region,
    service,
    location,
    expiresIn,
    unsignedPayload: options.unsignedPayload ?? false,
    uriEscapePath: options.uriEscapePath ?? true,
    contentSha256Header: options.contentSha256Header ?? true,
    source: createCredentialsSource(options.credentials, refreshBefore * 1000, 'awsSigV4Auth'),
  };
}

/** Signs one attempt; resolves with the credentials it signed with. */
async function signAws(
  draft: RequestDraft,
  context: AuthContext,
  settings: AwsSettings,
): Promise<CredentialsEntry> {
  const { location, unsignedPayload } = settings;
  const body = draftBody(draft);
  if (body === null && !unsignedPayload) {
    fail('cannot hash a ReadableStream body; pass bytes or a string, or set unsignedPayload: true');
  }
  const now = context.clock.now();
  const pendingCredentials = settings.source.current(now);
  const credentials = pendingCredentials instanceof Promise ? await pendingCredentials : pendingCredentials;
  const date = signingDate(now);
  const scope = credentialScope(date, settings.region, settings.service);
  const headers = draft.headers;
  headers.delete('authorization');
  headers.delete('date');
  let hash: string;
  if (location === 'header') {
    headers.set('x-amz-date', date.long);
    if (credentials.sessionToken !== undefined) headers.set('x-amz-security-token', credentials.sessionToken);
    else headers.delete('x-amz-security-token');
    if (unsignedPayload && !headers.has('x-amz-content-sha256'))
      headers.set('x-amz-content-sha256', UNSIGNED_PAYLOAD);
    const computed = payloadHash(headers, body ?? undefined);
    hash = computed instanceof Promise ? await computed : computed;
    if (settings.contentSha256Header && !headers.has('x-amz-content-sha256'))
      headers.set('x-amz-content-sha256', hash);
  } else {
    const computed = unsignedPayload ? UNSIGNED_PAYLOAD : payloadHash(headers, body ?? undefined);
    hash = computed instanceof Promise ? await computed : computed;
    presignQuery(draft, headers, credentials, date, scope, settings.expiresIn);
  }
  const request = canonicalRequest({
    method: draft.method,
    path: draft.url.pathname,
    search: draft.url.search,
    headers: withHost(draft.url, headers),
    payloadHash: hash,
    uriEscapePath: settings.uriEscapePath,
  });
  const signature = await sign(credentials, date, scope, request.text, settings);
  if (location === 'header') {
    headers.set(
      'authorization',
      `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${request.signedHeaders}, Signature=${signature}`,
    );
  } else {
    draft.url.search = `${draft.url.search}&X-Amz-Signature=${signature}`;
  }
  return credentials;
}

async function sign(
  credentials: CredentialsEntry,
  date: SigningDate,
  scope: string,
  text: string,
  settings: AwsSettings,
): Promise<string> {
  const toSign = stringToSign(date, scope, text);
  const key = credentials.signingKey(date.short, settings.region, settings.service);
  const signature = signNow(
    'hmac-sha256',
    key instanceof Promise ? await key : key,
    toSign instanceof Promise ? await toSign : toSign,
  );
  return encodeBytes(signature instanceof Promise ? await signature : signature, 'hex');
}

/** The headers SigV4 signs: the draft's, and `host` from the URL (the platform sets it on the wire). */
function* withHost(url: URL, headers: Headers): Iterable<readonly [string, string]> {
  yield ['host', url.host];
  yield* headers;
}

/**
 * Writes the presigned-URL parameters onto the draft's query, appended to the caller's query as it is (never
 * re-serialised: that could change bytes the caller meant). `x-amz-*` headers move into the query, as AWS SDKs
 * do, since a presigned URL is often handed to something that sends no headers of ours.
 */
function presignQuery(
  draft: RequestDraft,
  headers: Headers,
  credentials: CredentialsEntry,
  date: SigningDate,
  scope: string,
  expiresIn: number,
): void {
  const kept = draft.url.search
    .slice(1)
    .split('&')
    .filter((piece) => piece !== '' && !AMZ_QUERY.test(decodeName(piece)));
  const params: [string, string][] = [];
  for (const [name, value] of [...headers]) {
    if (name.startsWith('x-amz-') && name !== 'x-amz-content-sha256') {
      params.push([name, value]);
      headers.delete(name);
    }
  }
  if (credentials.sessionToken !== undefined) params.push(['X-Amz-Security-Token', credentials.sessionToken]);
  params.push(
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', date.long],
    ['X-Amz-Expires', String(expiresIn)],
    ['X-Amz-SignedHeaders', signedHeaderNames(draft.url, headers)],
  );
  const added = params.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`);
  draft.url.search = `?${[...kept, ...added].join('&')}`;
}

function signedHeaderNames(url: URL, headers: Headers): string {
  return canonicalRequest({
    method: '',
    path: '/',
    search: '',
    headers: withHost(url, headers),
    payloadHash: '',
    uriEscapePath: false,
  }).signedHeaders;
}

function decodeName(piece: string): string {
  const name = piece.split('=', 1)[0]!;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
