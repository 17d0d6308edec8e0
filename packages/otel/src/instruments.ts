import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** The metrics {@link attacheTelemetry} records. */
export interface Instruments {
  readonly callDuration: Histogram;
  readonly requestDuration: Histogram;
  readonly tokenFetches: Counter;
  readonly refreshFailures: Counter;
  readonly retries: Counter;
  readonly replays: Counter;
  readonly withheld: Counter;
  readonly mtlsReloadFailures: Counter;
  readonly storeUnavailable: Counter;
}

// The HTTP client duration buckets the semantic conventions recommend, in seconds.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export function createInstruments(meter: Meter): Instruments {
  const duration = (name: string, description: string) =>
    meter.createHistogram(name, {
      unit: 's',
      description,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  return {
    callDuration: duration(
      'attache.client.call.duration',
      'Duration of calls through the pipeline: token acquisition, every attempt and every backoff wait',
    ),
    requestDuration: duration(
      'http.client.request.duration',
      'Duration of each HTTP request the pipeline sent',
    ),
    tokenFetches: meter.createCounter('attache.token.fetches', {
      unit: '{token}',
      description: 'Tokens handed out for the first time, by origin (memory, store, network)',
    }),
    refreshFailures: meter.createCounter('attache.token.refresh_failures', {
      unit: '{failure}',
      description: 'Failed token fetches',
    }),
    retries: meter.createCounter('attache.retries', { unit: '{retry}', description: 'Retries scheduled' }),
    replays: meter.createCounter('attache.replays', {
      unit: '{replay}',
      description: 'Requests replayed after a 401 with fresh credentials',
    }),
    withheld: meter.createCounter('attache.credentials.withheld', {
      unit: '{request}',
      description: 'Requests refused or sent without credentials because the origin is not allowed',
    }),
    mtlsReloadFailures: meter.createCounter('attache.mtls.reload_failures', {
      unit: '{failure}',
      description: 'Client certificate reloads that failed (the previous certificate stays in use)',
    }),
    storeUnavailable: meter.createCounter('attache.token_store.unavailable', {
      unit: '{outage}',
      description: 'Times the shared token store could not be used',
    }),
  };
}
