import type { AttacheEvent } from '@attache/core';

/** Log levels, lowest first, as pino and console name them. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * The level an event is logged at: what needs a human (a refresh that failed, credentials withheld, a
 * certificate that cannot be reloaded, the token store down, a call that ended in an error) warns; what
 * changes state (a retry, a replay, a call's end) is info; the detail of every request and token is debug.
 */
export function logLevelOf(event: AttacheEvent): LogLevel {
  switch (event.type) {
    case 'token:refresh-failed':
    case 'credential:withheld':
    case 'mtls:reload-failed':
    case 'store:unavailable':
    case 'store:entry-rejected':
      return 'warn';
    case 'request:end':
      return event.error !== undefined ? 'warn' : 'info';
    case 'token:request':
      return event.error !== undefined ? 'warn' : 'debug';
    case 'retry:scheduled':
    case 'challenge:handled':
    case 'mtls:credentials-loaded':
    case 'store:available':
      return 'info';
    default:
      return 'debug';
  }
}
