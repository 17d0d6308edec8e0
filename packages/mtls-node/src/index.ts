import './require-node.ts';

export type { CertificateInput } from './certificate-input.ts';
export { certificateThumbprint } from './certificate-thumbprint.ts';
export type { FileSource, MtlsCredentialsProvider } from './credential-source.ts';
export type { MtlsCredentials } from './credentials.ts';
export type { FileCredentialOptions } from './file-credential.ts';
export { fileCredential } from './file-credential.ts';
export type { ClientCertificateInfo, MtlsEvent } from './mtls-events.ts';
export type { MtlsTransport, MtlsTransportOptions } from './mtls-transport.ts';
export { mtlsTransport } from './mtls-transport.ts';
export type { NodeTransport, NodeTransportOptions } from './node-transport.ts';
export { nodeTransport } from './node-transport.ts';
export type { ProxySetting } from './proxy.ts';
export { spkiPin } from './spki-pin.ts';
export type { TlsErrorOptions, TlsErrorReason } from './tls-error.ts';
export { isTlsError, TlsError } from './tls-error.ts';
