import './require-node.ts';

export { combineListeners } from './combine-listeners.ts';
export type { ConsoleEventLoggerOptions, EventLoggerOptions, StructuredLogger } from './event-logger.ts';
export { consoleEventLogger, eventFields, eventLogger } from './event-logger.ts';
export type { LogLevel } from './log-level.ts';
export { logLevelOf } from './log-level.ts';
export type { AttacheTelemetry, AttacheTelemetryOptions } from './telemetry.ts';
export { attacheTelemetry } from './telemetry.ts';
