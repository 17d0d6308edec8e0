import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/** Where in a connection's life an error happened, as far as the connector saw it. */
export type ConnectPhase = 'connect' | 'handshake';

/**
 * An undici connector that also remembers what undici does not report. When a TLS 1.3 server rejects the
 * client certificate it sends an alert after the handshake has (from the client's side) completed; undici
 * then reports a generic "other side closed" and the alert that explains it is lost. The connector keeps
 * the last TLS errors seen per local address and port (which undici's socket errors carry) so they can be
 * put back into the explanation.
 */
export interface ObservingConnector {
  readonly connect: buildConnector.connector;
  /** The TLS error seen on the socket an undici `SocketError` came from, if any. */
  observedTlsError(error: unknown): Error | undefined;
  /** Whether `error` ended a connection before it was established, and at which step. */
  phaseOf(error: unknown): ConnectPhase | undefined;
}

/** How many recent TLS socket errors are kept for explanation. */
const REMEMBERED = 64;

function localKey(address: unknown, port: unknown): string | undefined {
  return typeof address === 'string' && typeof port === 'number' ? `${address}|${port}` : undefined;
}

/** Wraps undici's connector built from `options`; see {@link ObservingConnector}. */
export function createObservingConnector(options: buildConnector.BuildOptions): ObservingConnector {
  const base = buildConnector(options);
  const recent = new Map<string, Error>();
  const phases = new WeakMap<object, ConnectPhase>();

  const connect: buildConnector.connector = (connectOptions, callback) => {
    let tcpConnected = false;
    let key: string | undefined;
    // undici's connector returns the socket it created, though its type says void.
    const socket = (
      base as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket | undefined
    )(connectOptions, (...args: Parameters<buildConnector.Callback>) => {
      const [error] = args;
      if (error !== null && typeof error === 'object')
        phases.set(error, tcpConnected ? 'handshake' : 'connect');
      callback(...args);
    });
    if (socket === undefined) return;
    socket.once('connect', () => {
      tcpConnected = true;
      key = localKey(socket.localAddress, socket.localPort);
    });
    socket.once('secureConnect', () => {
      key = localKey(socket.localAddress, socket.localPort) ?? key;
    });
    socket.on('error', (error: Error & { code?: unknown }) => {
      if (key === undefined || typeof error.code !== 'string' || !error.code.startsWith('ERR_SSL_')) return;
      recent.delete(key);
      recent.set(key, error);
      if (recent.size > REMEMBERED) {
        const oldest = recent.keys().next().value;
        if (oldest !== undefined) recent.delete(oldest);
      }
    });
  };

  return {
    connect,
    observedTlsError(error) {
      const info = (error as { socket?: { localAddress?: unknown; localPort?: unknown } } | null)?.socket;
      const key = info && localKey(info.localAddress, info.localPort);
      return key === undefined ? undefined : recent.get(key);
    },
    phaseOf(error) {
      return error !== null && typeof error === 'object' ? phases.get(error) : undefined;
    },
  };
}
