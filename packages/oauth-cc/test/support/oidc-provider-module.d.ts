// oidc-provider ships no type declarations: the little the test harnesses use, typed loosely.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** What a model instance offers the harnesses: its fields, and `save()` giving the token's value. */
  export interface ModelInstance {
    readonly [field: string]: unknown;
    save(): Promise<string>;
    addOIDCScope(scope: string): void;
  }
  export interface Model {
    new (payload: Record<string, unknown>): ModelInstance;
    find(value: string, options?: Record<string, unknown>): Promise<ModelInstance | undefined>;
  }

  /** The context a grant handler registered with `registerGrantType` receives (koa's, with `oidc`). */
  export interface GrantContext {
    body: unknown;
    readonly oidc: {
      readonly params: Readonly<Record<string, string | undefined>>;
      readonly client: { readonly clientId: string } & Record<string, unknown>;
    };
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    readonly Grant: Model;
    readonly RefreshToken: Model;
    readonly AccessToken: Model;
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    on(event: string, listener: (...args: never[]) => void): this;
    registerGrantType(
      name: string,
      handler: (ctx: GrantContext) => Promise<void>,
      params?: readonly string[],
      dupes?: readonly string[],
    ): void;
  }

  export const errors: {
    readonly InvalidTarget: new (description?: string) => Error;
    readonly InvalidGrant: new (description?: string) => Error;
    readonly InvalidRequest: new (description?: string) => Error;
  };
}
