// ESM consumer: static `import` of every published package, then the shared smoke calls.

import { fileURLToPath } from 'node:url';
import * as apiKey from '@attache/api-key';
import * as core from '@attache/core';
import * as hmac from '@attache/hmac';
import * as mtlsNode from '@attache/mtls-node';
import * as oauthCc from '@attache/oauth-cc';
import * as otel from '@attache/otel';
import * as testing from '@attache/testing';
import * as tokenStoreRedis from '@attache/token-store-redis';
import * as mswNode from 'msw/node';
import checks from './checks.cjs';

const modules = {
  '@attache/core': core,
  '@attache/api-key': apiKey,
  '@attache/hmac': hmac,
  '@attache/mtls-node': mtlsNode,
  '@attache/oauth-cc': oauthCc,
  '@attache/testing': testing,
  '@attache/token-store-redis': tokenStoreRedis,
  '@attache/otel': otel,
  'msw/node': mswNode,
};
const resolved = Object.fromEntries(
  Object.keys(modules).map((name) => [name, fileURLToPath(import.meta.resolve(name))]),
);
await checks.runSmoke(modules, resolved, 'esm');
