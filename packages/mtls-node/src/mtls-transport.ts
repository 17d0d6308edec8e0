import {
  type AttacheEventListener,
  type AttacheEventSource,
  ConfigError,
  type OutgoingRequest,
  type Secret,
  type SecretInput,
  type Transport,
} from '@attache/core';
import { callListener, checkOptionalNumber, type NumberRule, raceSignal } from '@attache/core/internal';
import type { buildConnector, Dispatcher } from 'undici';
import { classifyFailure } from './classify-failure.ts';
import {
  createCredentialSource,
  type FileSource,
  type MtlsCredentialsProvider,
} from './credential-source.ts';
import { type ContextSettings, fingerprint, type LoadedCredentials, loadCredentials } from './credentials.ts';
import { dispatchExchange } from './dispatch-exchange.ts';
import { type ClientCertificateInfo, certificateInfo, type MtlsEvent, validityEvent } from './mtls-events.ts';
import { poolOptions, snapshotOf } from './node-transport.ts';
import { checkProxy, createDispatcher, type ProxySetting } from './proxy.ts';
import { proxyCertificateRejection } from './proxy-certificate-rejection.ts';
import { createServerIdentityCheck, normalizePins } from './server-pinning.ts';
import { createObservingConnector, type ObservingConnector } from './tls-connector.ts';
import { TlsError, type TlsErrorReason } from './tls-error.ts';

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

interface Generation {
  readonly id: number;
  readonly agent: Dispatcher;
  readonly loaded: LoadedCredentials;
  readonly observer: ObservingConnector;
  inflight: number;
  retired: boolean;
  closing: Promise<void> | undefined;
  /** Settles once the agent is closed or destroyed. */
  readonly done: Promise<void>;
  readonly markDone: () => void;
}

type Trigger = 'initial' | 'interval' | 'manual' | 'rejected';

/** Reasons that say the server did not accept our certificate: worth re-reading the material early. */
const CLIENT_CERTIFICATE_REASONS: ReadonlySet<TlsErrorReason> = new Set([
  'client-certificate-required',
  'client-certificate-rejected',
  'certificate-expired',
  'certificate-not-yet-valid',
]);

const MS: NumberRule = { min: 'positive', unit: 'ms' };

/**
 * Creates a mutual-TLS transport for Node: requests go through undici's `fetch` with an undici `Agent`
 * of this transport's own (nothing process-global), presenting the client certificate and checking the
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
  const source = createCredentialSource(options);
  const reloadInterval =
    options.reloadInterval === false
      ? false
      : (checkOptionalNumber(options.reloadInterval, 'reloadInterval', MS) ?? 60_000);
  const pins = options.pins === undefined ? undefined : normalizePins(options.pins);
  const servername = options.servername;
  if (servername !== undefined && (typeof servername !== 'string' || servername.length === 0)) {
    throw new ConfigError('servername must be a non-empty host name');
  }
  const minVersion = options.minVersion;
  if (minVersion !== undefined && minVersion !== 'TLSv1.2' && minVersion !== 'TLSv1.3') {
    throw new ConfigError(`minVersion must be 'TLSv1.2' or 'TLSv1.3', got ${String(minVersion)}`);
  }
  const connectTimeout = checkOptionalNumber(options.connectTimeout, 'connectTimeout', MS) ?? 10_000;
  const proxy = options.proxy;
  checkProxy(proxy);
  const pool = poolOptions({
    ...(options.connections === undefined ? {} : { connections: options.connections }),
    ...(options.pipelining === undefined ? {} : { pipelining: options.pipelining }),
    ...(options.allowH2 === undefined ? {} : { allowH2: options.allowH2 }),
    ...(options.keepAliveTimeout === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeout }),
  });
  const listener = options.onEvent;
  if (listener !== undefined && typeof listener !== 'function')
    throw new ConfigError('onEvent must be a function');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('now must be a function returning epoch ms');
  const settings: ContextSettings = minVersion === undefined ? {} : { minVersion };
  const checkServerIdentity = createServerIdentityCheck(pins);

  // The option's listener, and those of the clients this transport was given to (see `subscribe`).
  const listeners = new Set<(event: MtlsEvent) => void>();
  if (listener) listeners.add(listener);
  const emit = (event: MtlsEvent): void => {
    // A faulty listener must not break a request or a reload.
    for (const each of listeners) callListener(each, event);
  };

  let nextId = 1;
  let current: Generation | undefined;
  const live = new Set<Generation>();
  let loading: Promise<Generation> | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let stale = false;
  let closed = false;

  function createGeneration(loaded: LoadedCredentials): Generation {
    const endpointTls: buildConnector.BuildOptions = {
      secureContext: loaded.secureContext,
      checkServerIdentity,
      timeout: connectTimeout,
      // The connector makes the ALPN offer, so the choice goes to it (undici's default offers HTTP/2).
      ...(pool.allowH2 === undefined ? {} : { allowH2: pool.allowH2 }),
      ...(servername === undefined ? {} : { servername }),
    };
    const observer = createObservingConnector(endpointTls);
    // Through a proxy the same TLS options are used inside the CONNECT tunnel: the certificate goes to the
    // partner, never to the proxy.
    const { dispatcher: agent } = createDispatcher(
      proxy,
      { ...pool, connect: observer.connect },
      endpointTls,
    );
    let markDone = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      markDone = resolve;
    });
    const generation: Generation = {
      id: nextId++,
      agent,
      loaded,
      observer,
      inflight: 0,
      retired: false,
      closing: undefined,
      done,
      markDone,
    };
    live.add(generation);
    return generation;
  }

  function install(loaded: LoadedCredentials, trigger: Trigger): Generation {
    const next = createGeneration(loaded);
    const previous = current;
    current = next;
    if (previous !== undefined) retire(previous);
    emit({
      type: 'mtls:credentials-loaded',
      generation: next.id,
      trigger,
      certificate: certificateInfo(loaded.certificate),
    });
    const outOfValidity = validityEvent(next.id, loaded.certificate, now());
    if (outOfValidity !== undefined) emit(outOfValidity);
    return next;
  }

  function retire(generation: Generation): void {
    generation.retired = true;
    if (generation.inflight === 0) void closeGeneration(generation);
  }

  function shutDown(generation: Generation, how: 'close' | 'destroy'): Promise<void> {
    generation.retired = true;
    generation.closing ??= (how === 'close' ? generation.agent.close() : generation.agent.destroy())
      .catch(() => undefined)
      .then(() => {
        live.delete(generation);
        generation.markDone();
        emit({ type: 'mtls:agent-closed', generation: generation.id });
      });
    return generation.closing;
  }

  function closeGeneration(generation: Generation): Promise<void> {
    return shutDown(generation, 'close');
  }

  const closedError = (): ConfigError => new ConfigError('This mtlsTransport was closed; create a new one');

  function refresh(trigger: Trigger): Promise<Generation> {
    loading ??= (async (): Promise<Generation> => {
      try {
        const material = await source.read();
        if (closed) throw closedError();
        if (current !== undefined && fingerprint(material.credentials) === current.loaded.fingerprint)
          return current;
        return install(loadCredentials(material, settings, 'mtlsTransport'), trigger);
      } catch (error) {
        if (current !== undefined && !closed) {
          emit({
            type: 'mtls:reload-failed',
            generation: current.id,
            error:
              error instanceof Error
                ? error
                : new ConfigError('Reloading the client credentials failed', { cause: error }),
          });
          // `reload()` hears of it too; checks of its own keep going on the old credentials.
          if (trigger === 'manual') throw error;
          return current;
        }
        throw error;
      } finally {
        checkedAt = now();
        stale = false;
        loading = undefined;
      }
    })();
    return loading;
  }

  function active(): Promise<Generation> | Generation {
    if (current !== undefined) {
      if (!source.dynamic) return current;
      const due = stale || (reloadInterval !== false && now() - checkedAt >= reloadInterval);
      if (!due) return current;
      return refresh(stale ? 'rejected' : 'interval');
    }
    return refresh('initial');
  }

  if (source.inline !== undefined) {
    install(loadCredentials(source.inline, settings, 'mtlsTransport'), 'initial');
    checkedAt = now();
  }

  async function send(outgoing: OutgoingRequest): Promise<Response> {
    if (closed) throw closedError();
    const signal = outgoing.signal;
    const pending = active();
    let generation =
      pending instanceof Promise ? await (signal ? raceSignal(pending, signal) : pending) : pending;
    if (closed) throw closedError();
    // A reload may have replaced (and begun closing) this generation while the request waited for it.
    if (generation.retired && current !== undefined) generation = current;
    generation.inflight++;
    const chosen = generation;
    const fail = (error: unknown): Error => {
      const url = new URL(outgoing.url);
      const failure = classifyFailure(error, {
        host: url.host,
        hostname: servername ?? url.hostname.replace(/^\[|\]$/g, ''),
        request: snapshotOf(outgoing.method, url),
        certificate: chosen.loaded.certificate,
        hasClientCertificate: chosen.loaded.hasClientCertificate,
        now: now(),
        observedTlsError: chosen.observer.observedTlsError,
        phaseOf: chosen.observer.phaseOf,
      });
      if (
        failure instanceof TlsError &&
        CLIENT_CERTIFICATE_REASONS.has(failure.reason) &&
        chosen === current
      ) {
        // The certificate may have been rotated on disk or in the provider since the last check.
        stale = true;
      }
      return failure;
    };
    try {
      // The same exchange as nodeTransport's: aborts reject with the signal's reason, untouched.
      const answer = await dispatchExchange(chosen.agent, outgoing, fail);
      // A TLS-terminating proxy (nginx) answers a missing or refused client certificate with HTTP 400.
      const url = new URL(outgoing.url);
      const refused = await proxyCertificateRejection(answer, {
        ...chosen.loaded,
        host: url.host,
        request: snapshotOf(outgoing.method, url),
        now: now(),
      });
      if (refused === undefined) return answer;
      if (chosen === current) stale = true;
      throw refused;
    } finally {
      chosen.inflight--;
      if (chosen.retired && chosen.inflight === 0) void closeGeneration(chosen);
    }
  }

  const transport = send as MtlsTransport;
  return Object.assign(transport, {
    presentsCredentials: true as const,
    honoursSignal: true as const,
    subscribe(added: AttacheEventListener): () => void {
      // A listener of every event also takes this transport's; each is called once however often it is added.
      const wrapped = listeners.has(added) ? undefined : added;
      if (wrapped !== undefined) listeners.add(wrapped);
      return () => {
        if (wrapped !== undefined) listeners.delete(wrapped);
      };
    },
    async reload(): Promise<void> {
      if (closed) throw closedError();
      // A check already running may have read the material before it changed: start a fresh one after it.
      if (loading !== undefined) await loading.catch(() => undefined);
      await refresh(current === undefined ? 'initial' : 'manual');
    },
    async certificate(): Promise<ClientCertificateInfo | undefined> {
      if (closed) throw closedError();
      return certificateInfo((await active()).loaded.certificate);
    },
    async close(): Promise<void> {
      closed = true;
      const all = [...live];
      for (const generation of all) retire(generation);
      // Generations still serving requests close when their last request settles.
      await Promise.all(all.map((generation) => generation.done));
    },
    async destroy(): Promise<void> {
      closed = true;
      await Promise.all([...live].map((generation) => shutDown(generation, 'destroy')));
    },
  });
}
