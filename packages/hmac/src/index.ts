import './require-node.ts';

export type { AwsCredentials, AwsCredentialsProvider } from './aws-sigv4/aws-credentials.ts';
export type { AwsSigV4AuthOptions } from './aws-sigv4/aws-sigv4-auth.ts';
export { awsSigV4Auth } from './aws-sigv4/aws-sigv4-auth.ts';
export type { CavageAlgorithm, CavageSignatureAuthOptions } from './cavage/cavage-auth.ts';
export { cavageSignatureAuth } from './cavage/cavage-auth.ts';
export type {
  CavageVerified,
  CavageVerifier,
  CavageVerifierKey,
  CavageVerifierOptions,
  CavageVerifyResult,
} from './cavage/cavage-verifier.ts';
export { createCavageVerifier } from './cavage/cavage-verifier.ts';
export type { ContentDigestAlgorithm, ContentDigestInput, ContentDigestOptions } from './content-digest.ts';
export { contentDigest } from './content-digest.ts';
export type { Encoding, KeyEncoding } from './encoding.ts';
export type { HmacAuthOptions, HmacScheme } from './hmac-auth.ts';
export { hmacAuth } from './hmac-auth.ts';
export type { HmacVerifier, HmacVerifierOptions, HmacVerifyOptions } from './hmac-verifier.ts';
export { createHmacVerifier } from './hmac-verifier.ts';
export type { MemoryNonceStoreOptions, NonceStore, NonceStoreFullPolicy } from './nonce-store.ts';
export { createMemoryNonceStore } from './nonce-store.ts';
export type { KeyMaterial, SignatureAlgorithm } from './signature-algorithm.ts';
export type { SigningKey, SigningKeyProvider } from './signing-key-source.ts';
export type { SimpleSchemePreset } from './simple/simple-presets.ts';
export type {
  SimplePart,
  SimpleSchemeHeaders,
  SimpleSchemeOptions,
  TimestampFormat,
} from './simple/simple-scheme.ts';
export type { HmacKeyLookup, HmacVerifierKey, HmacVerifierKeyInput } from './verifier-keys.ts';
export type { HmacRejected, HmacRejectionReason, HmacVerified, HmacVerifyResult } from './verify-result.ts';
