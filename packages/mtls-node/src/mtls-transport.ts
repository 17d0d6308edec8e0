import {
  type AttacheEventSource,
  ConfigError,
  type OutgoingRequest,
  type Secret,
  type SecretInput,
  type Transport,
} from '@attache/core';
import { checkOptionalNumber, type NumberRule } from '@attache/core/internal';
import { active, refresh } from './credential-refresh.ts';
import {
  createCredentialSource,
  type FileSource,
  type MtlsCredentialsProvider,
} from './credential-source.ts';
import { loadCredentials } from './credentials.ts';
import { install, retire, shutDown } from './generations.ts';
import { type ClientCertificateInfo, certificateInfo, type MtlsEvent } from './mtls-events.ts';
import { send } from './mtls-send.ts';
import { poolOptions } from './node-transport.ts';
import { checkProxy, type ProxySetting } from './proxy.ts';
import { createServerIdentityCheck, normalizePins } from './server-pinning.ts';
import { createTransportListeners, type TransportListeners } from './transport-listeners.ts';
import { closedError, type TransportSettings, type TransportState } from './transport-state.ts';

/**
 * Options of {@link mtlsTransport}.
 *
 * Client credentials come from exactly one place: inline values or files (`cert` + `key`, or `pfx`, each a
 * value or `{ file }`), or a `credentials` provider function. Without any, the transport still verifies the
 * server (with `ca` and `pins`) but presents no client certificate.
 *
 * @example
 * ```ts
 * const transport = mtlsTransport({
 *   cert: { file: '/etc/partner/tls.crt' },
 *   key: { file: '/etc/partner/tls.key' },
 *   ca: { file: '/etc/partner/ca.pem' },
 *   reloadInterval: 30_000,
 * });
 * ```
 */
export interface MtlsTransportOptions {
  /** Client certificate, PEM (leaf first, then intermediates), or `{ file }`. Goes with `key`. */
  readonly cert?: string | Uint8Array | FileSource;
  /** Private key of `cert`, PEM (encrypted or not), or `{ file }`. Wrap inline keys in `secret()`. */
  readonly key?: string | Uint8Array | Secret | FileSource;
  /** PKCS#12 (`.p12` / `.pfx`) bundle, bytes or `{ file }`, instead of `cert` + `key`. */
  readonly pfx?: Uint8Array | FileSource;
  /** Passphrase of an encrypted `key` or of `pfx`. */
  readonly passphrase?: SecretInput;
  /**
   * CA certificate(s) trusted for the server, PEM or `{ file }`. When given, only these are trusted.
   * Default: Node's root store.
   */
  readonly ca?: string | Uint8Array | FileSource | readonly (string | Uint8Array | FileSource)[];
  /**
   * Returns the client credentials (and optionally `ca`); called on first use, on every reload check and by
   * `reload()`. Use it for secret managers. Cannot be combined with `cert`, `key`, `pfx` or `passphrase`.
   */
  readonly credentials?: MtlsCredentialsProvider;
  /**
   * How often, in ms, files are re-read or the provider re-called, checked when a request is sent (no
   * timers). When the material changed, new connections use it and in-flight requests finish on the old
   * connections. `false`: only `reload()` re-reads. Ignored for inline material. Default `60_000`.
   */
  readonly reloadInterval?: number | false;
  /**
   * SPKI SHA-256 pins (base64, see `spkiPin`): a connection is refused unless a certificate in the server's
   * chain has one of these public keys. List a backup pin for the partner's next key. Default: no pinning.
   */
  readonly pins?: readonly string[];
  /** Host name for SNI and certificate checks when the URL names an IP or an alias. Default: the URL's host. */
  readonly servername?: string;
  /** Lowest TLS version offered. Default: Node's (`TLSv1.2`). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Connect + TLS handshake timeout in ms. Default `10_000`. */
  readonly connectTimeout?: number;
  /** How long an idle connection is kept open, in ms. Default `4_000`. */
  readonly keepAliveTimeout?: number;
  /** Most connections per origin. Default: unlimited. */
  readonly connections?: number;
  /**
   * Send through a forward proxy (`'env'` for `HTTPS_PROXY`/`NO_PROXY`, or a URL): a CONNECT tunnel to the
   * partner, inside which the TLS handshake (and the client certificate) is end to end. See `nodeTransport`.
   */
  readonly proxy?: ProxySetting;
  /** Requests sent on one HTTP/1.1 connection before the first answer arrives. Default `1`. */
  readonly pipelining?: number;
  /** Offer HTTP/2 in the TLS handshake (ALPN); `false` keeps to HTTP/1.1. Default `true` (undici's). */
  readonly allowH2?: boolean;
  /**
   * Receives credential loads, reload failures and agent closes. See {@link MtlsEvent}: members of core's
   * `AttacheEvent` union, so the client's own `onEvent` listener can be given here too.
   */
  readonly onEvent?: (event: MtlsEvent) => void;
  /** Time source in epoch ms (for tests). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A `Transport` (pass it as the pipeline's `transport`) that owns its own undici connection pool, plus
 * lifecycle controls.
 */
export interface MtlsTransport extends Transport, AttacheEventSource {
  /** Sends one hop over this transport's connections. Redirects are returned, never followed. */
  (outgoing: OutgoingRequest): Promise<Response>;
  /** Always `true`: the pipeline never points this transport at an origin outside the allow-list. */
  readonly presentsCredentials: true;
  /**
   * Re-reads the files or re-calls the provider now. When the material changed, new connections use it;
   * in-flight requests finish on the old connections, which are then closed.
   *
   * @throws {TlsError} when the new material is unusable (the previous credentials stay in use).
   */
  reload(): Promise<void>;
  /** The client certificate in use (loading it first if needed), or `undefined` when none is configured. */
  certificate(): Promise<ClientCertificateInfo | undefined>;
  /** Stops taking requests, lets in-flight ones finish, then closes every connection. */
  close(): Promise<void>;
  /** Stops at once: in-flight requests fail and every connection is closed. */
  destroy(): Promise<void>;
}

const MS: NumberRule = { min: 'positive', unit: 'ms' };

function checkTls(options: MtlsTransportOptions): void {
  const servername = options.servername;
  if (servername !== undefined && (typeof servername !== 'string' || servername.length === 0)) {
    throw new ConfigError('servername must be a non-empty host name');
  }
  const minVersion = options.minVersion;
  if (minVersion !== undefined && minVersion !== 'TLSv1.2' && minVersion !== 'TLSv1.3') {
    throw new ConfigError(`minVersion must be 'TLSv1.2' or 'TLSv1.3', got ${String(minVersion)}`);
  }
}

/** Checks the options (every `ConfigError` is thrown here) and resolves their defaults. */
function resolveSettings(options: MtlsTransportOptions, emit: TransportSettings['emit']): TransportSettings {
  const source = createCredentialSource(options);
  const reloadInterval =
    options.reloadInterval === false
      ? false
      : (checkOptionalNumber(options.reloadInterval, 'reloadInterval', MS) ?? 60_000);
  const pins = options.pins === undefined ? undefined : normalizePins(options.pins);
  checkTls(options);
  const { servername, minVersion, proxy } = options;
  const connectTimeout = checkOptionalNumber(options.connectTimeout, 'connectTimeout', MS) ?? 10_000;
  checkProxy(proxy);
  const pool = poolOptions({
    ...(options.connections === undefined ? {} : { connections: options.connections }),
    ...(options.pipelining === undefined ? {} : { pipelining: options.pipelining }),
    ...(options.allowH2 === undefined ? {} : { allowH2: options.allowH2 }),
    ...(options.keepAliveTimeout === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeout }),
  });
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function')
    throw new ConfigError('onEvent must be a function');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('now must be a function returning epoch ms');
  return {
    source,
    reloadInterval,
    servername,
    settings: minVersion === undefined ? {} : { minVersion },
    endpoint: {
      checkServerIdentity: createServerIdentityCheck(pins),
      timeout: connectTimeout,
      // The connector makes the ALPN offer, so the choice goes to it (undici's default offers HTTP/2).
      ...(pool.allowH2 === undefined ? {} : { allowH2: pool.allowH2 }),
      ...(servername === undefined ? {} : { servername }),
    },
    proxy,
    pool,
    now,
    emit,
  };
}

/** `reload`, `certificate`, `close`, `destroy` and `subscribe` of one transport. */
function controls(state: TransportState, listeners: TransportListeners) {
  return {
    presentsCredentials: true as const,
    honoursSignal: true as const,
    subscribe: listeners.subscribe,
    async reload(): Promise<void> {
      if (state.closed) throw closedError();
      // A check already running may have read the material before it changed: start a fresh one after it.
      if (state.loading !== undefined) await state.loading.catch(() => undefined);
      await refresh(state, state.current === undefined ? 'initial' : 'manual');
    },
    async certificate(): Promise<ClientCertificateInfo | undefined> {
      if (state.closed) throw closedError();
      return certificateInfo((await active(state)).loaded.certificate);
    },
    async close(): Promise<void> {
      state.closed = true;
      const all = [...state.live];
      for (const generation of all) retire(state, generation);
      // Generations still serving requests close when their last request settles.
      await Promise.all(all.map((generation) => generation.done));
    },
    async destroy(): Promise<void> {
      state.closed = true;
      await Promise.all([...state.live].map((generation) => shutDown(state, generation, 'destroy')));
    },
  };
}

/**
 * Creates a mutual-TLS transport for Node: requests are dispatched on an undici `Agent` of this
 * transport's own (nothing process-global), presenting the client certificate and checking the
 * server against `ca` and optional `pins`. File or provider material is re-read every `reloadInterval` and
 * on `reload()`, so certificates rotate without a restart. TLS failures become a {@link TlsError} with an
 * actionable `reason`; other network failures become `NetworkError`, which the pipeline retries.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @throws {TlsError} synchronously, when inline material is unusable (wrong passphrase, corrupt PKCS#12,
 *   unreadable PEM, key not matching the certificate). File and provider material is checked on first use.
 * @example
 * ```ts
 * const client = createClient({
 *   baseUrl: 'https://api.bank.example',
 *   transport: mtlsTransport({ pfx: { file: 'client.p12' }, passphrase: secret(process.env.P12_PASSPHRASE!) }),
 * });
 * ```
 */
export function mtlsTransport(options: MtlsTransportOptions = {}): MtlsTransport {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('mtlsTransport options must be an object');
  // The option's listener, and those of the clients this transport was given to (see `subscribe`).
  const listeners = createTransportListeners(options.onEvent);
  const state: TransportState = {
    ...resolveSettings(options, listeners.emit),
    nextId: 1,
    current: undefined,
    live: new Set(),
    loading: undefined,
    checkedAt: Number.NEGATIVE_INFINITY,
    stale: false,
    closed: false,
  };
  if (state.source.inline !== undefined) {
    install(state, loadCredentials(state.source.inline, state.settings, 'mtlsTransport'), 'initial');
    state.checkedAt = state.now();
  }
  const transport = ((outgoing: OutgoingRequest): Promise<Response> =>
    send(state, outgoing)) as MtlsTransport;
  return Object.assign(transport, controls(state, listeners));
}
