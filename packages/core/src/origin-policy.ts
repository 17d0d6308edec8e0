/**
 * True for loopback hosts: `localhost`, 127.0.0.0/8 and `::1`. Not `*.localhost`: browsers resolve those to
 * loopback, but Node asks the system resolver, and a network whose DNS answers for them would receive
 * credentials over plain http. Name such hosts in `allowInsecureHosts` instead.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost') return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Normalises an origin given by the user (`https://api.example.com/` → `https://api.example.com`). */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
