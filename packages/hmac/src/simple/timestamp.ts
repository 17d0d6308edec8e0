// The simple scheme's timestamp header: Unix seconds, Unix milliseconds, or ISO 8601 UTC to the second.
import type { TimestampFormat } from './simple-scheme.ts';

export function formatTimestamp(epochMs: number, format: TimestampFormat): string {
  switch (format) {
    case 'unix':
      return String(Math.floor(epochMs / 1000));
    case 'unix-ms':
      return String(Math.floor(epochMs));
    case 'iso8601':
      return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
}

/** Reads a timestamp written by {@link formatTimestamp}; epoch milliseconds, or `undefined` if malformed. */
export function parseTimestamp(text: string, format: TimestampFormat): number | undefined {
  switch (format) {
    case 'unix':
      return /^\d{1,12}$/.test(text) ? Number(text) * 1000 : undefined;
    case 'unix-ms':
      return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
    case 'iso8601': {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/.test(text)) return undefined;
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? undefined : ms;
    }
  }
}
