import { ConfigError } from '@attache/core';
import type { ClientAuthentication } from './client-authentication.ts';

const RESERVED = new Set([
  'refresh_token',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'assertion',
  'grant_type',
  'scope',
  'audience',
  'resource',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
]);

export function list(value: unknown, field: string, who = 'clientCredentialsAuth'): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (items === undefined || items.some((item) => typeof item !== 'string' || item.length === 0)) {
    throw new ConfigError(`${who}: ${field} must be a non-empty string or a list of them`);
  }
  return items as string[];
}

export function scopes(value: unknown, who = 'clientCredentialsAuth'): string[] {
  const items = list(value, 'scope', who);
  const split =
    typeof value === 'string' ? items.flatMap((item) => item.split(/\s+/)).filter(Boolean) : items;
  for (const scope of split) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new ConfigError(`${who}: scope ${JSON.stringify(scope)} is not a valid scope token`);
    }
  }
  return split;
}

export function resources(value: unknown, who = 'clientCredentialsAuth'): string[] {
  const items = list(value, 'resource', who);
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError(`${who}: resource ${JSON.stringify(item)} must be an absolute URI (RFC 8707)`);
    }
    if (url.hash !== '' || item.includes('#')) {
      throw new ConfigError(`${who}: resource ${JSON.stringify(item)} must not have a fragment (RFC 8707)`);
    }
  }
  return items;
}

export function extraParams(value: unknown, who = 'clientCredentialsAuth'): [string, string][] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${who}: extraParams must be an object of strings or lists of strings`);
  }
  const params: [string, string][] = [];
  for (const [name, raw] of Object.entries(value)) {
    if (RESERVED.has(name)) {
      throw new ConfigError(`${who}: extraParams.${name} is set by the client itself; use its own option`);
    }
    const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as unknown[]) : undefined;
    if (values === undefined || values.some((item) => typeof item !== 'string')) {
      throw new ConfigError(`${who}: extraParams.${name} must be a string or a list of strings`);
    }
    for (const item of values as string[]) params.push([name, item]);
  }
  return params;
}

export function checkClientAuthentication(
  value: unknown,
  who = 'clientCredentialsAuth',
): ClientAuthentication {
  const candidate = value as ClientAuthentication | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.apply !== 'function' ||
    typeof candidate.method !== 'string'
  ) {
    throw new ConfigError(
      `${who}: clientAuthentication must come from clientSecretBasic, clientSecretPost, clientSecretJwt, privateKeyJwt, tlsClientAuth or selfSignedTlsClientAuth`,
    );
  }
  return candidate;
}

/** FNV-1a, 32-bit: a stable discriminator for the cache key that does not print the values themselves. */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
