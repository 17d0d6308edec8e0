import type { PeerCertificate } from 'node:tls';
import { ConfigError } from '@attache/core';
import type { Agent, Dispatcher } from 'undici';
import type { CredentialSource } from './credential-source.ts';
import type { ContextSettings, LoadedCredentials } from './credentials.ts';
import type { MtlsEvent } from './mtls-events.ts';
import type { ProxySetting } from './proxy.ts';
import type { ObservingConnector } from './tls-connector.ts';

/** One set of loaded credentials with the connections that present it. */
export interface Generation {
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

/** What made the transport (re)load its credentials, as `mtls:credentials-loaded` reports it. */
export type Trigger = 'initial' | 'interval' | 'manual' | 'rejected';

/** The TLS options every connection of the transport shares. */
export interface EndpointTls {
  readonly checkServerIdentity: (hostname: string, certificate: PeerCertificate) => Error | undefined;
  readonly timeout: number;
  readonly allowH2?: boolean;
  readonly servername?: string;
}

/** The checked options of `mtlsTransport`. */
export interface TransportSettings {
  readonly source: CredentialSource;
  readonly reloadInterval: number | false;
  readonly servername: string | undefined;
  readonly settings: ContextSettings;
  /** The TLS options of every connection, but the credentials of its generation. */
  readonly endpoint: EndpointTls;
  readonly proxy: ProxySetting | undefined;
  readonly pool: Agent.Options;
  readonly now: () => number;
  readonly emit: (event: MtlsEvent) => void;
}

/** One transport's generations and reload bookkeeping. */
export interface TransportState extends TransportSettings {
  nextId: number;
  /** The generation new requests use. */
  current: Generation | undefined;
  /** Every generation whose agent is not closed yet. */
  readonly live: Set<Generation>;
  /** The reload check under way, if any: concurrent requests share it. */
  loading: Promise<Generation> | undefined;
  checkedAt: number;
  /** The server refused the current certificate: check the material again on the next request. */
  stale: boolean;
  closed: boolean;
}

export function closedError(): ConfigError {
  return new ConfigError('This mtlsTransport was closed; create a new one');
}
