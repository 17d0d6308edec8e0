import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ConfigError, revealSecret, Secret, type SecretInput } from '@attache/core';
import { pemCertificates } from './certificate-input.ts';
import { TlsError, type TlsErrorReason } from './tls-error.ts';

/**
 * Client certificate material, as given inline or returned by a provider.
 *
 * Give either `cert` + `key` (PEM) or `pfx` (PKCS#12), plus `passphrase` when the key or the PKCS#12 file is
 * encrypted. `ca` lists the certificate authorities trusted for the server's certificate; when it is given,
 * only those are trusted (the system roots are not).
 *
 * @example
 * ```ts
 * const credentials: MtlsCredentials = {
 *   cert: readFileSync('client.crt', 'utf8'),
 *   key: secret(readFileSync('client.key', 'utf8')),
 *   ca: readFileSync('partner-ca.pem', 'utf8'),
 * };
 * ```
 */
export interface MtlsCredentials {
  /** The client certificate in PEM, optionally followed by its intermediate CA certificates. */
  readonly cert?: string | Uint8Array;
  /** The private key of `cert`, PEM (PKCS#8, PKCS#1 or SEC1; encrypted or not). */
  readonly key?: string | Uint8Array | Secret;
  /** A PKCS#12 (`.p12` / `.pfx`) bundle holding the certificate and key, instead of `cert` + `key`. */
  readonly pfx?: Uint8Array;
  /** Passphrase of an encrypted `key` or of `pfx`. */
  readonly passphrase?: SecretInput;
  /** PEM CA certificate(s) trusted for the server. Default: Node's root store. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
}

/** Where one piece of material came from, for error messages (never the material itself). */
export type MaterialLabels = Readonly<Partial<Record<keyof MtlsCredentials, string>>>;

/** Material ready to be loaded, with where each piece came from. */
export interface Material {
  readonly credentials: MtlsCredentials;
  readonly labels: MaterialLabels;
}

/** Client credentials turned into a TLS context, plus what is needed to explain failures. */
export interface LoadedCredentials {
  readonly secureContext: SecureContext;
  /** SHA-256 over all the material: equal fingerprints mean nothing changed. */
  readonly fingerprint: string;
  /** The client (leaf) certificate, when there is one and it could be read. */
  readonly certificate: X509Certificate | undefined;
  /** Whether a client certificate is configured (PKCS#12 may hide its details). */
  readonly hasClientCertificate: boolean;
}

/** TLS settings that live in the context rather than on the connection. */
export interface ContextSettings {
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

function text(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
}

function label(labels: MaterialLabels, field: keyof MtlsCredentials): string {
  return labels[field] ?? field;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(reason: TlsErrorReason, message: string, cause: unknown): TlsError {
  return new TlsError(reason, message, { cause, tlsCode: errorCode(cause) });
}

/** SHA-256 over every piece of material, each tagged and length-prefixed so no two inputs collide. */
export function fingerprint(credentials: MtlsCredentials): string {
  const hash = createHash('sha256');
  const add = (tag: string, value: string | Uint8Array | Secret | undefined): void => {
    if (value === undefined) return;
    const bytes = value instanceof Secret ? Buffer.from(value.reveal()) : Buffer.from(value);
    hash.update(`${tag}:${bytes.length}:`).update(bytes);
  };
  add('cert', credentials.cert);
  add('key', credentials.key);
  add('pfx', credentials.pfx);
  add('passphrase', credentials.passphrase);
  caList(credentials.ca).forEach((entry, i) => {
    add(`ca${i}`, entry);
  });
  return hash.digest('hex');
}

/** Throws a {@link ConfigError} when the given pieces do not make a credential (cert without key …). */
export function checkCombination(has: (field: keyof MtlsCredentials) => boolean, where: string): void {
  if (has('pfx') && (has('cert') || has('key'))) {
    throw new ConfigError(`${where}: give either pfx or cert + key, not both`);
  }
  if (has('cert') !== has('key')) {
    throw new ConfigError(
      `${where}: ${has('cert') ? 'cert needs key' : 'key needs cert'} (they go together)`,
    );
  }
  if (has('passphrase') && !has('pfx') && !has('key')) {
    throw new ConfigError(`${where}: passphrase is given but there is no key or pfx to decrypt`);
  }
}

/** Throws a {@link ConfigError} when the material's shape is wrong (what is given, not what it contains). */
export function checkShape(credentials: MtlsCredentials, where: string): void {
  checkCombination((field) => credentials[field] !== undefined, where);
  for (const field of ['cert', 'key', 'pfx'] as const) {
    const value = credentials[field];
    if (value === undefined) continue;
    const ok =
      field === 'pfx'
        ? value instanceof Uint8Array
        : typeof value === 'string' ||
          value instanceof Uint8Array ||
          (field === 'key' && value instanceof Secret);
    if (!ok)
      throw new ConfigError(
        `${where}: ${field} must be ${field === 'pfx' ? 'bytes (Uint8Array/Buffer)' : 'a PEM string or bytes'}`,
      );
  }
  const passphrase = credentials.passphrase;
  if (passphrase !== undefined && typeof passphrase !== 'string' && !(passphrase instanceof Secret)) {
    throw new ConfigError(`${where}: passphrase must be a string or a Secret`);
  }
  caList(credentials.ca).forEach((entry, i, all) => {
    if (typeof entry !== 'string' && !(entry instanceof Uint8Array)) {
      throw new ConfigError(`${where}: ca${all.length > 1 ? `[${i}]` : ''} must be a PEM string or bytes`);
    }
  });
}

function caList(ca: MtlsCredentials['ca']): readonly (string | Uint8Array)[] {
  if (ca === undefined) return [];
  return Array.isArray(ca) ? (ca as readonly (string | Uint8Array)[]) : [ca as string | Uint8Array];
}

function parseCertificates(value: string | Uint8Array, name: string): X509Certificate[] {
  const blocks = pemCertificates(text(value));
  if (blocks.length === 0) {
    throw new TlsError(
      'invalid-credentials',
      `${name} holds no PEM certificate (no BEGIN CERTIFICATE block)`,
    );
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw fail(
        'invalid-credentials',
        `${name}: certificate #${i + 1} cannot be parsed (${errorText(error)})`,
        error,
      );
    }
  });
}

function checkKey(
  key: string | Uint8Array | Secret,
  passphrase: string | undefined,
  labels: MaterialLabels,
): KeyObject {
  const pem = key instanceof Secret ? key.reveal() : text(key);
  try {
    return createPrivateKey(
      passphrase === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase },
    );
  } catch (error) {
    const code = errorCode(error);
    // Without a passphrase OpenSSL 3 reports an encrypted key as "interrupted or cancelled" (its password
    // prompt was refused); older builds say ERR_MISSING_PASSPHRASE or bad decrypt.
    const encrypted = /ENCRYPTED/.test(pem);
    if (
      code === 'ERR_MISSING_PASSPHRASE' ||
      (passphrase === undefined &&
        (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED' || encrypted))
    ) {
      throw fail('bad-passphrase', `${label(labels, 'key')} is encrypted and no passphrase was given`, error);
    }
    // A wrong passphrase usually fails the CBC padding check (bad decrypt), but about one time in 256 the
    // padding looks valid and the garbage fails to parse instead: for an encrypted key both mean the same.
    if (code === 'ERR_OSSL_BAD_DECRYPT' || encrypted) {
      throw fail(
        'bad-passphrase',
        `${label(labels, 'key')} could not be decrypted: the passphrase is wrong`,
        error,
      );
    }
    throw fail(
      'invalid-credentials',
      `${label(labels, 'key')} is not a readable PEM private key (${code ?? errorText(error)})`,
      error,
    );
  }
}

const KEY_TYPE_NAMES: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  dsa: 'DSA',
};
const CURVE_NAMES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** "an RSA 2048-bit key", "an EC P-256 key", "an Ed25519 key": what a key is, never what it holds. */
function keyKind(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const name = KEY_TYPE_NAMES[type] ?? type;
  const { namedCurve, modulusLength } = key.asymmetricKeyDetails ?? {};
  const size =
    namedCurve !== undefined
      ? ` ${CURVE_NAMES[namedCurve] ?? namedCurve}`
      : modulusLength !== undefined
        ? ` ${modulusLength}-bit`
        : '';
  return `${/^(?:[AEIO]|RSA)/.test(name) ? 'an' : 'a'} ${name}${size} key`;
}

/**
 * Refuses a private key that is not the certificate's. OpenSSL catches a mismatch of one key type when the
 * context is built, but takes an RSA certificate with an EC or Ed25519 key (and every other mix) without a
 * word, as it keeps one certificate slot per key type: the handshake then fails, or presents no certificate.
 */
function checkPair(certificate: X509Certificate, key: KeyObject, labels: MaterialLabels): void {
  const fromKey = createPublicKey(key);
  if (certificate.publicKey.equals(fromKey)) return;
  const certKind = keyKind(certificate.publicKey);
  const keyKindText = keyKind(fromKey);
  throw new TlsError(
    'key-mismatch',
    certKind === keyKindText
      ? `${label(labels, 'key')} is not the private key of ${label(labels, 'cert')}: they do not belong together`
      : `${label(labels, 'key')} is ${keyKindText} but ${label(labels, 'cert')} holds ${certKind}: they do not belong together`,
  );
}

/** The leaf certificate of a PKCS#12 context, when Node can tell it. */
function pfxCertificate(context: SecureContext): X509Certificate | undefined {
  // Node has no public PKCS#12 parser; the native context can hand back the certificate it loaded.
  const native = (context as { context?: { getCertificate?: () => unknown } }).context;
  try {
    const der = native?.getCertificate?.();
    return der instanceof Uint8Array ? new X509Certificate(der) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Validates the material piece by piece (so errors name the piece and the reason) and builds the TLS
 * context every connection of one agent shares.
 *
 * @throws {TlsError} `bad-passphrase`, `bad-pkcs12`, `invalid-credentials` or `key-mismatch`.
 * @throws {ConfigError} when the material's shape is wrong.
 */
export function loadCredentials(
  material: Material,
  settings: ContextSettings,
  where: string,
): LoadedCredentials {
  const { credentials, labels } = material;
  checkShape(credentials, where);
  const passphrase = credentials.passphrase === undefined ? undefined : revealSecret(credentials.passphrase);
  const ca = caList(credentials.ca).map((entry, i, all) => {
    const name = all.length > 1 ? `${label(labels, 'ca')}[${i}]` : label(labels, 'ca');
    parseCertificates(entry, name);
    return text(entry);
  });
  let certificate: X509Certificate | undefined;
  if (credentials.cert !== undefined)
    certificate = parseCertificates(credentials.cert, label(labels, 'cert'))[0];
  const privateKey =
    credentials.key === undefined ? undefined : checkKey(credentials.key, passphrase, labels);
  if (certificate !== undefined && privateKey !== undefined) checkPair(certificate, privateKey, labels);

  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext({
      ...(credentials.cert === undefined ? {} : { cert: text(credentials.cert) }),
      ...(credentials.key === undefined
        ? {}
        : { key: credentials.key instanceof Secret ? credentials.key.reveal() : text(credentials.key) }),
      ...(credentials.pfx === undefined ? {} : { pfx: Buffer.from(credentials.pfx) }),
      ...(passphrase === undefined ? {} : { passphrase }),
      ...(ca.length === 0 ? {} : { ca }),
      ...(settings.minVersion === undefined ? {} : { minVersion: settings.minVersion }),
    });
  } catch (error) {
    throw classifyContextError(error, credentials, labels, passphrase);
  }
  if (credentials.pfx !== undefined) certificate = pfxCertificate(secureContext);
  return {
    secureContext,
    fingerprint: fingerprint(credentials),
    certificate,
    hasClientCertificate: credentials.cert !== undefined || credentials.pfx !== undefined,
  };
}

function classifyContextError(
  error: unknown,
  credentials: MtlsCredentials,
  labels: MaterialLabels,
  passphrase: string | undefined,
): TlsError {
  const code = errorCode(error);
  const message = errorText(error);
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
    return fail(
      'key-mismatch',
      `${label(labels, 'key')} is not the private key of ${label(labels, 'cert')}: they do not belong together`,
      error,
    );
  }
  if (credentials.pfx !== undefined) {
    const pfx = label(labels, 'pfx');
    if (/mac verify failure/i.test(message)) {
      return fail(
        'bad-passphrase',
        passphrase === undefined
          ? `${pfx} is protected and no passphrase was given`
          : `${pfx} could not be opened: the passphrase is wrong (or the file is damaged: its integrity check failed)`,
        error,
      );
    }
    if (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT') {
      return fail('bad-passphrase', `${pfx} could not be decrypted: the passphrase is wrong`, error);
    }
    return fail('bad-pkcs12', `${pfx} is not a readable PKCS#12 file (${message})`, error);
  }
  return fail(
    'invalid-credentials',
    `The client credentials could not be loaded (${code ?? message})`,
    error,
  );
}
