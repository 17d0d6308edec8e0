import { X509Certificate } from 'node:crypto';
import { ConfigError } from '@attache/core';

/**
 * A certificate in any form Node hands out: PEM text (the first certificate is used), DER bytes, an
 * `X509Certificate`, or a `tls` peer certificate object (anything with `raw` DER bytes).
 */
export type CertificateInput = string | Uint8Array | X509Certificate | { readonly raw: Uint8Array };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every PEM certificate block in `text`, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/** Parses a {@link CertificateInput}; `label` names the argument in the error. */
export function toX509(input: CertificateInput, label: string): X509Certificate {
  if (input instanceof X509Certificate) return input;
  try {
    if (typeof input === 'string') {
      const first = pemCertificates(input)[0];
      if (first === undefined)
        throw new ConfigError(`${label} is not a PEM certificate (no BEGIN CERTIFICATE block)`);
      return new X509Certificate(first);
    }
    const der = input instanceof Uint8Array ? input : input.raw;
    return new X509Certificate(der);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${label} is not a readable X.509 certificate`, { cause: error });
  }
}
