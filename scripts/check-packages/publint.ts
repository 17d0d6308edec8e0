// publint: publint --strict on each tarball.

import { readFile } from 'node:fs/promises';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import type { Packed, Recorder } from './lib/context.ts';

export async function runPublint(packed: readonly Packed[], r: Recorder): Promise<void> {
  for (const { pkg, tarball } of packed) {
    const data = await readFile(tarball);
    const arrayBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    const { messages, pkg: manifest } = await publint({ pack: { tarball: arrayBuffer }, strict: true });
    for (const message of messages) {
      const text = `${pkg.name}: ${message.type}: ${formatMessage(message, manifest, { color: false }) ?? message.code}`;
      if (message.type === 'suggestion') r.note(text);
      else r.fail(text);
    }
  }
}
