import type { RequestDraft } from '../authenticator.ts';
import type { Hop } from './hop.ts';

/**
 * The draft of a hop that carries credentials: fresh headers for the authenticators to write on, and a URL
 * parsed from the hop's `href` only when one of them reads it (most write a header and never do).
 */
export class HopDraft implements RequestDraft {
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array<ArrayBuffer> | null | undefined;
  readonly #href: string;
  #url: URL | undefined;

  constructor(hop: Hop) {
    this.method = hop.method;
    this.headers = new Headers(hop.headers);
    this.body = hop.body;
    this.#href = hop.url.href;
  }

  get url(): URL {
    this.#url ??= new URL(this.#href);
    return this.#url;
  }

  /** The target as it stands: the URL's `href` once it was read (and maybe changed), else the hop's. */
  get href(): string {
    return this.#url === undefined ? this.#href : this.#url.href;
  }
}

/** A draft's target as a string, without parsing a URL nobody read. */
export function draftHref(draft: RequestDraft): string {
  return draft instanceof HopDraft ? draft.href : draft.url.href;
}
