import { readFile, stat } from 'node:fs/promises';
import { ConfigError, Secret } from '@attache/core';

/** Options of {@link fileCredential}. */
export interface FileCredentialOptions {
  /** Strip surrounding whitespace (a trailing newline) from the file's content. Default `true`. */
  readonly trim?: boolean;
}

/**
 * A provider of a credential kept in a file that the platform rewrites as it rotates: a Kubernetes projected
 * service-account token, a CI job's OIDC token, a secret mounted by an agent. Pass it wherever a credential
 * provider is taken (`jwtBearerAuth({ assertion })`, `tokenExchangeAuth({ subjectToken })`, `bearerAuth`).
 * The file is read on first use and read again whenever it changed on disk (size, modification time or
 * inode), so a rotated token is picked up by the next token request without a restart; an unchanged file
 * costs one `stat`.
 *
 * @throws {ConfigError} from the provider when the file cannot be read or is empty (the message names the
 *   path, never the content).
 * @example
 * ```ts
 * jwtBearerAuth({
 *   tokenEndpoint,
 *   clientId: 'orders-service',
 *   clientAuthentication: publicClient(),
 *   assertion: fileCredential('/var/run/secrets/tokens/partner-token'),
 * });
 * ```
 */
export function fileCredential(path: string, options: FileCredentialOptions = {}): () => Promise<Secret> {
  if (typeof path !== 'string' || path.length === 0)
    throw new ConfigError('fileCredential: path must be a non-empty string');
  const trim = options.trim ?? true;
  let held: { readonly version: string; readonly value: Secret } | undefined;
  return async () => {
    let version: string;
    let content: string;
    try {
      const info = await stat(path);
      version = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (held?.version === version) return held.value;
      content = await readFile(path, 'utf8');
    } catch (cause) {
      throw new ConfigError(`fileCredential: ${path} could not be read`, { cause });
    }
    const value = trim ? content.trim() : content;
    if (value.length === 0) throw new ConfigError(`fileCredential: ${path} is empty`);
    held = { version, value: new Secret(value) };
    return held.value;
  };
}
