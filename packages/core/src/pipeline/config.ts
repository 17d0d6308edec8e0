import { type Authenticator, inSignerOrder } from '../authenticator.ts';
import { createLearningClock, type LearningClock } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import type { AttacheEvent, AttacheEventListener, AttacheEventSource } from '../events.ts';
import { normalizeOrigin } from '../origin-policy.ts';
import type { SensitiveNames } from '../redact.ts';
import {
  createRetryBudget,
  DEFAULT_RETRY,
  MAX_WAIT,
  type ResolvedRetry,
  type RetryBudget,
  resolveRetry,
} from '../retry-policy.ts';
import { globalFetchTransport, type Transport } from '../transport.ts';
import type { CreateFetchOptions } from './options.ts';

/** A client's options, checked once and resolved into what every call reads. */
export interface PipelineConfig {
  readonly authenticators: readonly Authenticator[];
  /** Statuses that go to the challenge stage: 401, and those an authenticator names (`challengeStatuses`). */
  readonly challengeStatuses: ReadonlySet<number>;
  readonly baseUrl: string | undefined;
  /** `baseUrl` with a trailing slash, when a relative path appended to it as text resolves as against it. */
  readonly joinBase: string | undefined;
  /** Origins credentials may go to (normalised). */
  readonly allowed: ReadonlySet<string>;
  /** Whether the allow-list is enforced at all: with authenticators, a credential transport or a list given. */
  readonly enforceOrigins: boolean;
  readonly insecureHosts: ReadonlySet<string>;
  readonly transport: Transport;
  /** The transport follows the signal itself (the global fetch, or one that says so): no race around it. */
  readonly honoursSignal: boolean;
  readonly timeout: number | false;
  readonly retry: ResolvedRetry;
  readonly budget: RetryBudget;
  /** The pipeline follows redirects (`redirect: 'manual'` to the transport). */
  readonly manualRedirects: boolean;
  readonly maxRedirects: number;
  readonly now: () => number;
  readonly random: () => number;
  /** The one clock of this client: authenticators, token sources and signers read it. */
  readonly clock: LearningClock;
  readonly sensitive: SensitiveNames;
  /** Whether anyone listens: events and their redacted URLs are built only then. */
  readonly listening: boolean;
  /** Set on the per-call copy of the config (only when someone listens): the `callId` of its events. */
  readonly callId?: string;
  /** The listener's `bindCall`, when it has one. */
  readonly bindCall: ((callId: string) => void) | undefined;
  emit(event: AttacheEvent): void;
}

let calls = 0;

/** A new call id. A counter, not a random UUID: unique within the process, cheap, and stable in tests. */
function nextCallId(): string {
  calls = (calls + 1) % Number.MAX_SAFE_INTEGER;
  return `call-${calls.toString(36)}`;
}

/**
 * Where a face starts a call that reaches the pipeline only after awaits of its own (`createClient`: ky's
 * hooks): takes the call's id there, synchronously, and lets a listener that asks for it
 * (`bindCall`, see {@link AttacheEventListener}) note the caller's context under that id. `undefined` when
 * nobody listens.
 */
export function bindCall(config: PipelineConfig): string | undefined {
  if (!config.listening) return undefined;
  const callId = nextCallId();
  config.bindCall?.(callId);
  return callId;
}

/**
 * The config one call runs with: when someone listens, a copy whose `emit` stamps the call's id on every
 * event (the one `bindCall` took, when given); otherwise the client's config itself, so a call nobody watches
 * costs nothing more.
 */
export function configForCall(config: PipelineConfig, bound?: string): PipelineConfig {
  if (!config.listening) return config;
  // Traces that cross processes are correlated by the trace context, not by this id.
  const callId = bound ?? nextCallId();
  const emit = config.emit;
  return { ...config, callId, emit: (event) => emit({ ...event, callId }) };
}

/** Checks a deadline option: a number of ms in (0, 2^31 - 1], or `false`. */
export function checkTimeout(value: unknown, field: string): number | false {
  if (value === false) return false;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_WAIT) {
    throw new ConfigError(
      `${field} must be a number of ms in (0, ${MAX_WAIT}] or false, got ${String(value)}`,
    );
  }
  return value;
}

function isBrowserLike(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.document === 'object' || typeof g.WorkerGlobalScope === 'function';
}

function orderAuthenticators(auth: CreateFetchOptions['auth']): readonly Authenticator[] {
  if (auth === undefined) return [];
  const list = Array.isArray(auth) ? (auth as readonly Authenticator[]) : [auth as Authenticator];
  list.forEach((a, i) => {
    if (!a || typeof a.attach !== 'function' || typeof a.name !== 'string') {
      throw new ConfigError(`auth[${i}] is not an authenticator (needs a name and an attach function)`);
    }
  });
  return inSignerOrder(list);
}

function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/**
 * A base without query, fragment or backslash, with a trailing slash: resolving a plain relative path (see
 * `resolveUrl`) against it is the same as parsing the two joined, which costs half as much.
 */
function listenerBinding(listener: AttacheEventListener | undefined): ((callId: string) => void) | undefined {
  const bind = listener?.bindCall;
  if (bind === undefined) return undefined;
  if (typeof bind !== 'function') throw new ConfigError('onEvent.bindCall must be a function');
  return (callId) => {
    try {
      bind.call(listener, callId);
    } catch {
      // Like the listener itself: what it throws never breaks a call.
    }
  };
}

function joinableBase(baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined || /[?#\\]/.test(baseUrl)) return undefined;
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
}

function resolveOrigins(options: CreateFetchOptions): Set<string> {
  const allowed = new Set<string>();
  const baseUrl = options.baseUrl;
  let baseOrigin: string | undefined;
  if (baseUrl !== undefined) {
    baseOrigin = normalizeOrigin(baseUrl);
    // The value is not quoted: a URL may carry a password.
    if (baseOrigin === undefined) throw new ConfigError('baseUrl must be an absolute http(s) URL');
    if (hasUserinfo(baseUrl)) {
      throw new ConfigError(
        'baseUrl must not carry user:password@; pass the credentials to basicAuth instead',
      );
    }
  }
  if (options.allowedOrigins !== undefined) {
    for (const origin of options.allowedOrigins) {
      const normalized = normalizeOrigin(origin);
      if (normalized === undefined)
        throw new ConfigError('allowedOrigins: an entry is not an http(s) origin');
      allowed.add(normalized);
    }
  } else if (baseOrigin !== undefined) {
    allowed.add(baseOrigin);
  }
  return allowed;
}

function resolveRedirects(options: CreateFetchOptions): { manual: boolean; max: number } {
  const redirects = options.redirects ?? (isBrowserLike() ? 'platform' : 'pipeline');
  if (redirects !== 'pipeline' && redirects !== 'platform') {
    throw new ConfigError(`redirects must be 'pipeline' or 'platform', got ${String(redirects)}`);
  }
  const max = options.maxRedirects ?? 10;
  if (!Number.isInteger(max) || max < 0) {
    throw new ConfigError(`maxRedirects must be a whole number >= 0, got ${String(max)}`);
  }
  return { manual: redirects === 'pipeline', max };
}

function safeEmitter(listener: AttacheEventListener | undefined): (event: AttacheEvent) => void {
  if (listener === undefined) return () => {};
  if (typeof listener !== 'function') throw new ConfigError('onEvent must be a function');
  return (event) => {
    try {
      listener(event);
    } catch {
      // A faulty listener must not break the call.
    }
  };
}

/** Checks `options` and resolves them; every `ConfigError` is thrown here, before any call. */
export function resolvePipelineConfig(options: CreateFetchOptions): PipelineConfig {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('createFetch options must be an object');
  const authenticators = orderAuthenticators(options.auth);
  const allowed = resolveOrigins(options);
  const transport = options.transport ?? globalFetchTransport;
  if (typeof transport !== 'function') {
    throw new ConfigError('transport must be a function (outgoing) => Promise<Response>');
  }
  const credentialed = authenticators.length > 0 || transport.presentsCredentials === true;
  if (credentialed && allowed.size === 0) {
    throw new ConfigError(
      `${authenticators.length > 0 ? 'auth' : 'a transport that presents credentials'} needs baseUrl or ` +
        'allowedOrigins: credentials must be bound to the origins they are for',
    );
  }
  const redirects = resolveRedirects(options);
  const emit = safeEmitter(options.onEvent);
  const now = options.now ?? (() => Date.now());
  const lower = (names: readonly string[] | undefined): string[] => (names ?? []).map((n) => n.toLowerCase());
  const config: PipelineConfig = {
    authenticators,
    challengeStatuses: new Set([401, ...authenticators.flatMap((a) => a.challengeStatuses ?? [])]),
    baseUrl: options.baseUrl,
    joinBase: joinableBase(options.baseUrl),
    allowed,
    enforceOrigins: credentialed || options.allowedOrigins !== undefined,
    insecureHosts: new Set(lower(options.allowInsecureHosts)),
    transport,
    honoursSignal: transport === globalFetchTransport || transport.honoursSignal === true,
    timeout: checkTimeout(options.timeout ?? 30_000, 'timeout'),
    retry: resolveRetry(options.retry, DEFAULT_RETRY),
    budget: createRetryBudget(options.retryBudget),
    manualRedirects: redirects.manual,
    maxRedirects: redirects.max,
    now,
    random: options.random ?? Math.random,
    clock: createLearningClock(now),
    sensitive: {
      headers: new Set(authenticators.flatMap((a) => lower(a.sensitiveHeaders))),
      query: new Set(authenticators.flatMap((a) => lower(a.sensitiveQuery))),
    },
    listening: options.onEvent !== undefined,
    bindCall: listenerBinding(options.onEvent),
    emit,
  };
  subscribeListener(config, options.onEvent, [transport, ...authenticators]);
  return config;
}

// Unsubscribes a client's listener once the client is gone (nothing else holds its config).
const subscriptions =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<readonly (() => void)[]>((removers) => {
        for (const remove of removers) remove();
      })
    : undefined;

/**
 * A transport with events of its own (mTLS reloads) and authenticators whose token store has events (Redis
 * outages) report them to this client's listener too. The listener itself is handed over, so several clients
 * sharing one listener and one source get each event once; it is taken off again when the client is
 * collected, so a long-lived store does not keep the listener of every client ever made.
 */
function subscribeListener(
  config: PipelineConfig,
  listener: AttacheEventListener | undefined,
  sources: readonly unknown[],
): void {
  if (listener === undefined) return;
  const removers: (() => void)[] = [];
  for (const source of sources as Partial<AttacheEventSource>[]) {
    if (typeof source.subscribe !== 'function') continue;
    const remove = source.subscribe(listener);
    if (typeof remove === 'function') removers.push(remove);
  }
  if (removers.length > 0) subscriptions?.register(config, removers);
}
