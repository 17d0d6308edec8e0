import { type Attributes, type Context, type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ATTR, serverOf } from './attributes.ts';
import type { Instruments } from './instruments.ts';

/** The request span open for a call, and the context its children and `traceparent` use. */
export interface AttemptState {
  readonly span: Span;
  readonly context: Context;
  readonly started: number;
  readonly attributes: Attributes;
}

/** A call between its `request:start` and `request:end`. */
export interface CallState {
  readonly span: Span;
  readonly context: Context;
  readonly started: number;
  readonly attributes: Attributes;
  attempt: AttemptState | undefined;
}

/** What one {@link attacheTelemetry} records into, shared by the span and metric handlers of each event. */
export interface TelemetryState {
  readonly tracer: Tracer;
  readonly instruments: Instruments;
  readonly now: () => number;
  /** Open calls by `callId`. */
  readonly calls: Map<string, CallState>;
  /** The context each call was made in, noted by `bindCall` until its `request:start` (oldest first). */
  readonly bound: Map<string, Context>;
}

// A call bound but never started (ky refused it before the pipeline ran) leaves its entry behind: the oldest
// go once there are this many.
const MAX_BOUND = 1_000;

/** Notes the context a call is made in, under its id (see `AttacheEventListener.bindCall` in core). */
export function bindCallContext(state: TelemetryState, callId: string, context: Context): void {
  if (state.bound.size >= MAX_BOUND) {
    const oldest = state.bound.keys().next().value;
    if (oldest !== undefined) state.bound.delete(oldest);
  }
  state.bound.set(callId, context);
}

/** The context `callId` was made in, if it was bound; forgotten once read. */
export function takeCallContext(state: TelemetryState, callId: string): Context | undefined {
  const context = state.bound.get(callId);
  if (context !== undefined) state.bound.delete(callId);
  return context;
}

/** The open call `callId` names, if any. */
export function callOf(state: TelemetryState, callId: string | undefined): CallState | undefined {
  return callId === undefined ? undefined : state.calls.get(callId);
}

/** Where a span of this call belongs: under the open attempt, else under the call. */
export function parentOf(state: TelemetryState, callId: string | undefined): Context | undefined {
  const call = callOf(state, callId);
  return call?.attempt?.context ?? call?.context;
}

/** `http.request.method`, `server.address` and `server.port` of a request. */
export function requestAttributes(method: string, url: string): Attributes {
  const server = serverOf(url);
  const attributes: Attributes = { [ATTR.httpRequestMethod]: method };
  if (server.address !== undefined) attributes[ATTR.serverAddress] = server.address;
  if (server.port !== undefined) attributes[ATTR.serverPort] = server.port;
  return attributes;
}

/** Ends a call or request span with its status; returns its `error.type` (an error, or a status >= 400). */
export function endSpan(
  span: Span,
  status: number | undefined,
  error: string | undefined,
  end: number,
): string | undefined {
  let errorType = error;
  if (status !== undefined) {
    span.setAttribute(ATTR.httpResponseStatusCode, status);
    if (status >= 400) errorType = String(status);
  }
  if (errorType !== undefined) {
    span.setAttribute(ATTR.errorType, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end(end);
  return errorType;
}

/** The attributes of a duration metric: the request's, with the status and `error.type` it ended with. */
export function outcomeAttributes(
  base: Attributes,
  status: number | undefined,
  errorType: string | undefined,
): Attributes {
  return {
    ...base,
    ...(status === undefined ? {} : { [ATTR.httpResponseStatusCode]: status }),
    ...(errorType === undefined ? {} : { [ATTR.errorType]: errorType }),
  };
}
