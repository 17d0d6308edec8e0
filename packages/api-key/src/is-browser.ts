/**
 * True in a web page or a browser worker, the places where `fetch` may not set `Cookie` and where every
 * user can read what the bundle carries.
 *
 * The rule is deliberately simple: a global `document` (pages, and DOM emulations such as jsdom or
 * happy-dom) or a global `importScripts` function (dedicated, shared and service workers). Node, Deno,
 * Bun and edge runtimes such as Cloudflare Workers and Vercel Edge define neither.
 */
export function isBrowser(): boolean {
  const scope = globalThis as { document?: unknown; importScripts?: unknown };
  return typeof scope.document === 'object' || typeof scope.importScripts === 'function';
}
