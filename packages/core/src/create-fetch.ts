import type { CallHints } from './pipeline/call.ts';
import { type PipelineConfig, resolvePipelineConfig } from './pipeline/config.ts';
import type { AttacheFetch, AttacheRequestInit, CreateFetchOptions } from './pipeline/options.ts';
import type { PipelineResult } from './pipeline/result.ts';
import { runCall } from './pipeline/run-call.ts';

export type {
  AttacheFetch,
  AttacheRequestInit,
  CallOptions,
  CreateFetchOptions,
} from './pipeline/options.ts';
export type { PipelineResult } from './pipeline/result.ts';

/** A client's pipeline: the fetch face, and the typed result of a call for faces built on it. */
export interface Pipeline {
  /** The fetch face (see {@link createFetch}). */
  readonly fetch: AttacheFetch;
  /** Runs one call and returns the typed result: the response and what the pipeline learned. */
  run(input: Request | string | URL, init?: AttacheRequestInit, hints?: CallHints): Promise<PipelineResult>;
  /** The resolved options. */
  readonly config: PipelineConfig;
}

/**
 * Creates a client's pipeline (see {@link createFetch}); `createClient` builds its typed errors from the
 * results of {@link Pipeline.run}.
 *
 * @throws {ConfigError} synchronously, for invalid options.
 */
export function createPipeline(options: CreateFetchOptions = {}): Pipeline {
  const config = resolvePipelineConfig(options);
  const run = (input: Request | string | URL, init?: AttacheRequestInit, hints?: CallHints) =>
    runCall(config, input, init, hints);
  const fetch: AttacheFetch = async (input, init) => (await runCall(config, input, init)).response;
  return { fetch, run, config };
}

/**
 * Creates a function with the exact signature of `fetch` that runs every request through Attaché's pipeline:
 * deadline and abort, the origin gate, credentials attached on every attempt, safe redirects, transient
 * retries and one refresh-and-replay on 401. It keeps fetch's contract, so it can be handed to any library
 * that takes a `fetch`: HTTP statuses come back as responses; it rejects only when there is no response to
 * give (`OriginNotAllowedError`, `InsecureTransportError`, `RedirectError`, `TimeoutError`, `NetworkError`,
 * `TokenAcquisitionError`, `ConfigError`, the caller's abort).
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const fetch = createFetch({ baseUrl: 'https://api.partner.example', auth: bearerAuth({ token }) });
 * const response = await fetch('orders/42');
 * ```
 */
export function createFetch(options: CreateFetchOptions = {}): AttacheFetch {
  return createPipeline(options).fetch;
}
