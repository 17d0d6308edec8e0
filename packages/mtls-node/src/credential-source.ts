import { readFile } from 'node:fs/promises';
import { ConfigError, Secret } from '@attache/core';
import {
  checkCombination,
  checkShape,
  type Material,
  type MaterialLabels,
  type MtlsCredentials,
} from './credentials.ts';

/**
 * A file to read material from. It is read when the transport first needs it and re-read on every reload
 * check, so replacing the file (in place, by rename, or by a symlink swap as Kubernetes does) rotates the
 * credential without a restart.
 *
 * @example
 * ```ts
 * mtlsTransport({ cert: { file: '/etc/partner/tls.crt' }, key: { file: '/etc/partner/tls.key' } });
 * ```
 */
export interface FileSource {
  /** Path of the file. */
  readonly file: string;
}

/** Returns the current client credentials; called on first use and on every reload check. */
export type MtlsCredentialsProvider = () => MtlsCredentials | Promise<MtlsCredentials>;

type Inline<T> = T | FileSource;

/** The material-related options of `mtlsTransport`. */
export interface MaterialOptions {
  readonly cert?: Inline<string | Uint8Array>;
  readonly key?: Inline<string | Uint8Array | Secret>;
  readonly pfx?: Inline<Uint8Array>;
  readonly passphrase?: MtlsCredentials['passphrase'];
  readonly ca?: Inline<string | Uint8Array> | readonly Inline<string | Uint8Array>[];
  readonly credentials?: MtlsCredentialsProvider;
}

/** Reads the current material. */
export interface CredentialSource {
  read(): Promise<Material>;
  /** False when the material can never change (all inline), so reload checks can be skipped. */
  readonly dynamic: boolean;
  /** The material, when it is all inline (so it can be validated synchronously). */
  readonly inline: Material | undefined;
}

function isFileSource(value: unknown): value is FileSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Secret) &&
    typeof (value as { file?: unknown }).file === 'string'
  );
}

async function readSource(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(
      `${field} file ${path} could not be read${typeof code === 'string' ? ` (${code})` : ''}`,
      {
        cause: error,
      },
    );
  }
}

type Labels = Partial<Record<keyof MtlsCredentials, string>>;

/** The single-valued material fields, in the order they are read. */
const SINGLES = ['cert', 'key', 'pfx'] as const;

const PROVIDER_LABELS: MaterialLabels = {
  cert: 'cert from credentials()',
  key: 'key from credentials()',
  pfx: 'pfx from credentials()',
  ca: 'ca from credentials()',
};

/** The options' material, checked once: which fields are given and which of them name files. */
interface MaterialPlan {
  readonly options: MaterialOptions;
  readonly singles: readonly (typeof SINGLES)[number][];
  readonly caEntries: readonly Inline<string | Uint8Array>[];
  readonly files: readonly { readonly field: string; readonly path: string }[];
}

function checkProvider(options: MaterialOptions): void {
  const provider = options.credentials;
  if (provider === undefined) {
    checkCombination((field) => options[field] !== undefined, 'mtlsTransport');
    return;
  }
  if (typeof provider !== 'function')
    throw new ConfigError('credentials must be a function returning the credentials');
  for (const field of ['cert', 'key', 'pfx', 'passphrase'] as const) {
    if (options[field] !== undefined) {
      throw new ConfigError(`${field} cannot be combined with credentials (the provider returns it)`);
    }
  }
}

function planMaterial(options: MaterialOptions): MaterialPlan {
  const caEntries =
    options.ca === undefined
      ? []
      : Array.isArray(options.ca)
        ? (options.ca as readonly Inline<string | Uint8Array>[])
        : [options.ca as Inline<string | Uint8Array>];
  const singles = SINGLES.filter((field) => options[field] !== undefined);
  const files: { field: string; path: string }[] = [];
  for (const field of singles) {
    const value = options[field];
    if (isFileSource(value)) files.push({ field, path: value.file });
  }
  caEntries.forEach((entry, i) => {
    if (isFileSource(entry))
      files.push({ field: caEntries.length > 1 ? `ca[${i}]` : 'ca', path: entry.file });
  });
  for (const { field, path } of files) {
    if (path.length === 0) throw new ConfigError(`${field}.file must be a non-empty path`);
  }
  return { options, singles, caEntries, files };
}

/** The material with every file read now, labelled by where each part came from. */
async function readFiles(plan: MaterialPlan): Promise<Material> {
  const { options } = plan;
  const labels: Labels = {};
  const resolved: Record<string, unknown> = {};
  for (const field of plan.singles) {
    const value = options[field];
    if (isFileSource(value)) {
      resolved[field] = await readSource(value.file, field);
      labels[field] = `${field} file ${value.file}`;
    } else resolved[field] = value;
  }
  const ca: (string | Uint8Array)[] = [];
  const caFiles: string[] = [];
  for (const entry of plan.caEntries) {
    if (isFileSource(entry)) {
      ca.push(await readSource(entry.file, 'ca'));
      caFiles.push(entry.file);
    } else ca.push(entry);
  }
  if (caFiles.length > 0) labels.ca = `ca file ${caFiles.join(', ')}`;
  const credentials: MtlsCredentials = {
    ...(resolved as Pick<MtlsCredentials, 'cert' | 'key' | 'pfx'>),
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
    ...(ca.length === 0 ? {} : { ca }),
  };
  return { credentials, labels };
}

/** Calls the provider and checks what it returned. */
async function readProvider(provider: MtlsCredentialsProvider, plan: MaterialPlan): Promise<Material> {
  const returned: unknown = await provider();
  if (typeof returned !== 'object' || returned === null) {
    throw new ConfigError('credentials() must return an object with cert + key or pfx');
  }
  const credentials = returned as MtlsCredentials;
  checkShape(credentials, 'credentials()');
  if (credentials.ca !== undefined || plan.caEntries.length === 0)
    return { credentials, labels: PROVIDER_LABELS };
  // The provider rotates the client certificate; the trusted CAs may come from the options.
  const { ca } = (await readFiles(plan)).credentials;
  return {
    credentials: { ...credentials, ...(ca === undefined ? {} : { ca }) },
    labels: { ...PROVIDER_LABELS, ca: 'ca' },
  };
}

/** The material when it is all inline: it never changes. */
function inlineMaterial(plan: MaterialPlan): Material {
  const { options, caEntries } = plan;
  const credentials: MtlsCredentials = {
    ...(options.cert === undefined ? {} : { cert: options.cert as string | Uint8Array }),
    ...(options.key === undefined ? {} : { key: options.key as string | Uint8Array | Secret }),
    ...(options.pfx === undefined ? {} : { pfx: options.pfx as Uint8Array }),
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
    ...(caEntries.length === 0 ? {} : { ca: caEntries as readonly (string | Uint8Array)[] }),
  };
  return { credentials, labels: {} };
}

/**
 * Builds the source the transport reads its material from: inline values, files, or a provider function.
 *
 * @throws {ConfigError} when the options mix a provider with inline or file material, or name an empty path.
 */
export function createCredentialSource(options: MaterialOptions): CredentialSource {
  checkProvider(options);
  const plan = planMaterial(options);
  const provider = options.credentials;
  if (provider !== undefined) {
    return { dynamic: true, inline: undefined, read: () => readProvider(provider, plan) };
  }
  if (plan.files.length === 0) {
    const material = inlineMaterial(plan);
    return { dynamic: false, inline: material, read: async () => material };
  }
  return { dynamic: true, inline: undefined, read: () => readFiles(plan) };
}
