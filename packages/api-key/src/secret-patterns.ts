/**
 * Prefixes of keys that are secret by their vendor's own definition (server-side only). A key matching one
 * of them is refused in a browser unless `dangerouslyAllowBrowser: true`. Publishable keys (`pk_live_`,
 * `pk.`, Google's `AIza`, `sb_publishable_`) are meant for browsers and are not listed.
 *
 * Extend rather than replace: `secretPatterns: [...defaultSecretPatterns, /^acme_sk_/]`.
 */
export const defaultSecretPatterns: readonly RegExp[] = Object.freeze([
  // Stripe, Clerk, Paystack and others: secret and restricted keys, webhook signing secrets.
  /^sk_(?:live|test)_/,
  /^rk_(?:live|test)_/,
  /^whsec_/,
  // OpenAI (`sk-`, `sk-proj-`), Anthropic (`sk-ant-`), OpenRouter, DeepSeek and most LLM APIs.
  /^sk-/,
  // Mapbox secret tokens (public ones start with `pk.`).
  /^sk\./,
  // Supabase secret keys.
  /^sb_secret_/,
  // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens.
  /^(?:ghp|gho|ghu|ghs|ghr)_/,
  /^github_pat_/,
  // GitLab personal access tokens.
  /^glpat-/,
  // Slack bot, user, app and configuration tokens.
  /^xox[abeoprs]-/,
  // SendGrid API keys.
  /^SG\.[\w-]+\.[\w-]+/,
  // Shopify admin access tokens and app secrets.
  /^shp(?:at|ca|pa|ss)_/,
  // Google OAuth client secrets.
  /^GOCSPX-/,
  // Hugging Face, npm, Groq, Replicate, xAI, Notion, Linear.
  /^hf_/,
  /^npm_/,
  /^gsk_/,
  /^r8_/,
  /^xai-/,
  /^(?:secret_|ntn_)/,
  /^lin_api_/,
]);

/**
 * Copies the patterns without the `g` and `y` flags: `RegExp.test` with either flag is stateful, so the
 * same key could match on one call and not on the next.
 */
export function statelessPatterns(patterns: readonly RegExp[]): readonly RegExp[] {
  return patterns.map((pattern) =>
    pattern.global || pattern.sticky
      ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
      : pattern,
  );
}

/** The first pattern the key matches, if any. */
export function matchSecretPattern(key: string, patterns: readonly RegExp[]): RegExp | undefined {
  return patterns.find((pattern) => pattern.test(key));
}
