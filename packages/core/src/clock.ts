import { parseHttpDate } from './http-date.ts';

/** A source of the current time in epoch milliseconds, corrected by what servers' `Date` headers taught. */
export interface Clock {
  /** Corrected epoch milliseconds. */
  now(): number;
  /** The learned offset: server time minus local time, in milliseconds. */
  readonly offset: number;
}

/** A clock whose offset is learned from responses' `Date` headers. */
export interface LearningClock extends Clock {
  /** Learns from a response's `Date` header, if any. */
  observe(response: Response): void;
}

// `Date` has one-second resolution, so a difference under two seconds says nothing about skew.
const MIN_SKEW_MS = 2_000;

/**
 * Creates a clock that tracks the server's time: each response's `Date` header updates the offset.
 * `now` is the local time source (injectable for tests).
 */
export function createLearningClock(now: () => number = Date.now): LearningClock {
  let offset = 0;
  let lastDate: string | undefined;
  let lastServer = 0;
  return {
    now: () => now() + offset,
    get offset() {
      return offset;
    },
    observe(response) {
      const date = response.headers.get('date');
      if (!date) return;
      // Servers send the same second many times over: parse each distinct value once.
      if (date !== lastDate) {
        lastDate = date;
        lastServer = parseHttpDate(date);
      }
      const server = lastServer;
      if (Number.isNaN(server)) return;
      const diff = server - now();
      offset = Math.abs(diff) >= MIN_SKEW_MS ? diff : 0;
    },
  };
}
