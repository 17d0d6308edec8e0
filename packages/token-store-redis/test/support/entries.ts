/**
 * A token source entry as `createTokenSource` writes it, carrying `accessToken`: the Redis store hands only
 * such entries back (anything else is a miss with a `store:entry-rejected` event).
 */
export function entry(accessToken: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    accessToken,
    tokenType: 'Bearer',
    issuedAt: Date.UTC(2026, 0, 1),
    expiresAt: Date.UTC(2126, 0, 1),
    ...overrides,
  });
}
