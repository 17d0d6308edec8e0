import type { AttacheEvent, AttacheEventListener } from '@attache/core';
import { ConfigError } from '@attache/core';
import { LEVELS, type LogLevel, logLevelOf } from './log-level.ts';

/** A logger with pino's call shape: `logger.warn(fields, message)`. pino, bunyan-style and most others fit. */
export interface StructuredLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link eventLogger} and {@link consoleEventLogger}. */
export interface EventLoggerOptions {
  /** Events below this level are not logged. Default `debug` (the logger's own level filters too). */
  readonly level?: LogLevel;
}

/**
 * The fields of an event as a log line carries them: the event itself, with an error object (mTLS reload
 * failures) reduced to its name, code and message. Events carry no credential, so neither does the line.
 */
export function eventFields(event: AttacheEvent): Record<string, unknown> {
  if (event.type !== 'mtls:reload-failed') return { ...event };
  const error = event.error as Error & { code?: unknown };
  return {
    ...event,
    error: {
      name: error.name,
      message: error.message,
      ...(error.code === undefined ? {} : { code: error.code }),
    },
  };
}

function checkLevel(level: unknown, who: string): number {
  if (level === undefined) return 0;
  const index = LEVELS.indexOf(level as LogLevel);
  if (index < 0)
    throw new ConfigError(`${who}: level must be one of ${LEVELS.join(', ')}, got ${String(level)}`);
  return index;
}

/**
 * Logs every event through a structured logger (pino or any logger with its call shape), at the level
 * {@link logLevelOf} gives it, with the event's type as the message and its fields as the line's fields.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const client = createClient({ baseUrl, auth, onEvent: eventLogger(pino({ level: 'info' })) });
 * ```
 * @throws {ConfigError} when `logger` lacks a level method or `level` is unknown.
 */
export function eventLogger(
  logger: StructuredLogger,
  options: EventLoggerOptions = {},
): AttacheEventListener {
  for (const level of LEVELS) {
    if (typeof logger?.[level] !== 'function')
      throw new ConfigError(`eventLogger: logger.${level} must be a function`);
  }
  const minimum = checkLevel(options.level, 'eventLogger');
  return (event) => {
    const level = logLevelOf(event);
    if (LEVELS.indexOf(level) < minimum) return;
    logger[level](eventFields(event), event.type);
  };
}

/** Options of {@link consoleEventLogger}. */
export interface ConsoleEventLoggerOptions extends EventLoggerOptions {
  /** Where a line goes. Default: `console.debug`/`info`/`warn`/`error` by level. */
  readonly write?: (line: string, level: LogLevel) => void;
  /** Epoch milliseconds for the line's `time`. Default `Date.now`. */
  readonly now?: () => number;
}

const consoleWrite = (line: string, level: LogLevel): void => {
  console[level](line);
};

/**
 * Logs every event as one JSON line: `{"level":"warn","time":…,"msg":"token:refresh-failed",…fields}`, for
 * runtimes without a logging library (edge functions, browsers, scripts) or log shippers that read stdout.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, auth, onEvent: consoleEventLogger({ level: 'info' }) });
 * ```
 * @throws {ConfigError} when `level` is unknown or `write`/`now` is not a function.
 */
export function consoleEventLogger(options: ConsoleEventLoggerOptions = {}): AttacheEventListener {
  const minimum = checkLevel(options.level, 'consoleEventLogger');
  for (const field of ['write', 'now'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'function') {
      throw new ConfigError(`consoleEventLogger: ${field} must be a function`);
    }
  }
  const write = options.write ?? consoleWrite;
  const now = options.now ?? Date.now;
  return (event) => {
    const level = logLevelOf(event);
    if (LEVELS.indexOf(level) < minimum) return;
    write(JSON.stringify({ level, time: now(), msg: event.type, ...eventFields(event) }), level);
  };
}
