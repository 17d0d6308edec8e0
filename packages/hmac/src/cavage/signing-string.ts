import type { CavageAlgorithm } from './cavage-auth.ts';
// draft-cavage-http-signatures-12 §2.3: the signing string is one `name: value` line per entry of `headers`, in
// that order, joined by `\n`: `(request-target)` is the lower-case method, a space and the path with its query
// as sent; `(created)` and `(expires)` are the parameters' values; any other name is a header, lower-cased, its
// values trimmed and joined by `, `. `host` comes from the URL when the platform sets it on the wire.

export interface CavageMessage {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
}

/** The signing string, or the name of the first entry the message lacks. */
export function cavageSigningString(
  message: CavageMessage,
  components: readonly string[],
  params: { readonly created?: number | undefined; readonly expires?: number | undefined },
): { readonly text: string } | { readonly missing: string } {
  const lines: string[] = [];
  for (const component of components) {
    switch (component) {
      case '(request-target)':
        lines.push(
          `(request-target): ${message.method.toLowerCase()} ${message.url.pathname}${message.url.search}`,
        );
        break;
      case '(created)':
      case '(expires)': {
        const value = component === '(created)' ? params.created : params.expires;
        if (value === undefined) return { missing: component };
        lines.push(`${component}: ${value}`);
        break;
      }
      default: {
        const value =
          component === 'host'
            ? (message.headers.get('host') ?? message.url.host)
            : message.headers.get(component);
        if (value === null) return { missing: component };
        lines.push(`${component}: ${value.trim()}`);
      }
    }
  }
  return { text: lines.join('\n') };
}

/** The `Signature` header's parameters (`name="value"` or `name=digits`, comma-separated), or why not. */
export function parseCavageParams(text: string): Map<string, string> | string {
  const params = new Map<string, string>();
  const pattern = /\s*([A-Za-z]+)=(?:"([^"]*)"|(\d+))\s*(,|$)/y;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (match === null) return 'the Signature header is not a list of name="value" parameters';
    const name = match[1]!.toLowerCase();
    if (params.has(name)) return `parameter ${name} appears twice`;
    params.set(name, match[2] ?? match[3]!);
    index = pattern.lastIndex;
    if (match[4] === '') break;
  }
  return params;
}

export const CAVAGE_ALGORITHM_NAMES: Readonly<Record<CavageAlgorithm, string>> = {
  'hmac-sha256': 'hmac-sha256',
  'hmac-sha512': 'hmac-sha512',
  'rsa-v1_5-sha256': 'rsa-sha256',
  'ecdsa-p256-sha256': 'ecdsa-sha256',
  'rsa-pss-sha512': 'hs2019',
  ed25519: 'hs2019',
};

/** The algorithms a draft-cavage signer or verifier takes, by their RFC 9421 names. */
export const CAVAGE_ALGORITHMS = Object.keys(CAVAGE_ALGORITHM_NAMES) as readonly CavageAlgorithm[];
