// Reading the tarballs `pnpm pack` makes.

import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Manifest } from './context.ts';

/** The regular files of a .tgz made by a package manager, by path inside `package/`. */
export function untar(gzipped: Uint8Array): Map<string, Buffer> {
  const tar = gunzipSync(gzipped);
  const files = new Map<string, Buffer>();
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    if (type === '0' || type === '')
      files.set((paxPath ?? name).replace(/^package\//, ''), Buffer.from(body));
    if (type !== 'g') paxPath = undefined;
  }
  return files;
}

export function tarballName(manifest: Manifest): string {
  return `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
}

/** Every file path an exports map (or main/types) points at. */
export function exportTargets(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') into.add(posix.normalize(value).replace(/^\.\//, ''));
  else if (Array.isArray(value)) for (const item of value) exportTargets(item, into);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) exportTargets(item, into);
  return into;
}
