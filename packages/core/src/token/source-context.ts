import type { AttacheEvent, AttacheEventListener } from '../events.ts';
import { Secret } from '../secret.ts';
import type { HeldToken, KeyState } from './token-registry.ts';
import type { SourceSettings } from './token-source-options.ts';
import type { StoredTokenRecord } from './token-store.ts';
import type { FetchToken, Token } from './token-types.ts';

/**
 * One token source: its settings, the state it shares with the other sources of its key, and what is its
 * own. The source's functions take it as their first argument. It is also the `creator` of the tokens it
 * fetched or adopted, for the `source` of its events.
 */
export interface SourceContext extends SourceSettings {
  readonly fetchToken: FetchToken;
  readonly state: KeyState;
  /** The cache key, `private` for a source built without one. */
  readonly key: string;
  readonly listener: AttacheEventListener | undefined;
  /** Tokens this source already announced with `token:acquired`: one event per token per source. */
  readonly announced: WeakSet<HeldToken>;
}

/** Sends `event` to the source's listener and to the calling call's `sink`, once each. */
export function emit(
  context: SourceContext,
  event: AttacheEvent,
  sink: AttacheEventListener | undefined,
): void {
  const { listener } = context;
  for (const target of sink === listener ? [listener] : [listener, sink]) {
    if (target === undefined) continue;
    try {
      target(event);
    } catch {
      // A faulty listener must not break token acquisition.
    }
  }
}

/**
 * The point from which callers wait for a new token. The skew is capped at the part of the lifetime after
 * the refresh window, so a short-lived token still has a window and is not "expired" on arrival.
 */
function waitPoint(context: SourceContext, issuedAt: number, expiresAt: number): number {
  const high = context.refreshWindow[1];
  return expiresAt - Math.min(context.expirySkew, (expiresAt - issuedAt) * (1 - high));
}

/** The point from which `token` is no longer handed out while a new one is fetched. */
export function hardLimit(context: SourceContext, token: Token): number {
  return waitPoint(context, token.issuedAt, token.expiresAt);
}

function refreshPoint(context: SourceContext, record: StoredTokenRecord): number {
  const { issuedAt, expiresAt, refreshIn } = record;
  const [low, high] = context.refreshWindow;
  const planned =
    refreshIn !== undefined
      ? issuedAt + refreshIn
      : issuedAt + Math.round((expiresAt - issuedAt) * (low + context.random() * (high - low)));
  return Math.min(planned, waitPoint(context, issuedAt, expiresAt));
}

function emptyExtra(): Readonly<Record<string, unknown>> {
  return Object.freeze({});
}

/** The token made from `record`, with a refresh point drawn for it. */
export function makeHeld(
  context: SourceContext,
  record: StoredTokenRecord,
  entry: string | undefined,
  origin: HeldToken['origin'],
): HeldToken {
  const token: Token = Object.freeze({
    value: new Secret(record.accessToken),
    type: record.tokenType,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    refreshAt: refreshPoint(context, record),
    extra: record.extra ?? emptyExtra(),
  });
  return { token, entry, creator: context, origin };
}

/** Makes `held` the shared token. */
export function adopt(context: SourceContext, held: HeldToken): HeldToken {
  context.state.held = held;
  return held;
}

/** Hands `held` to a caller, announcing it with `token:acquired` the first time this source does. */
export function handOut(
  context: SourceContext,
  held: HeldToken,
  sink: AttacheEventListener | undefined,
): Token {
  if (!context.announced.has(held)) {
    context.announced.add(held);
    emit(
      context,
      {
        type: 'token:acquired',
        source: held.creator === context ? held.origin : 'memory',
        expiresAt: held.token.expiresAt,
        key: context.key,
      },
      sink,
    );
  }
  return held.token;
}

/** The held token if it has not expired (it may be past its refresh point or within `expirySkew`). */
export function unexpired(context: SourceContext): HeldToken | undefined {
  const held = context.state.held;
  return held !== undefined && context.now() < held.token.expiresAt ? held : undefined;
}
