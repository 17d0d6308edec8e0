import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '@attache/core';
import { fileCredential } from '@attache/mtls-node';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'attache-file-credential-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileCredential (workload identity tokens on disk)', () => {
  it('reads the file once, and again only when it changed on disk', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'eyJ.first.sig\n');
    const read = fileCredential(path);
    const first = await read();
    expect(first.reveal()).toBe('eyJ.first.sig');
    expect(await read()).toBe(first); // unchanged: the same Secret, no read
    expect(inspect(first)).not.toContain('eyJ');
    // Kubernetes swaps a symlinked directory; an atomic rename is the same change as seen here.
    writeFileSync(join(dir, 'token.next'), 'eyJ.second-rotated.sig');
    await rename(join(dir, 'token.next'), path);
    expect((await read()).reveal()).toBe('eyJ.second-rotated.sig');
  });

  it('a missing or empty file is a ConfigError naming the path, never the content', async () => {
    await expect(fileCredential(join(dir, 'absent'))()).rejects.toThrow(/absent could not be read/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '  \n');
    await expect(fileCredential(empty)()).rejects.toBeInstanceOf(ConfigError);
    expect(() => fileCredential('')).toThrow(ConfigError);
  });

  it('keeps surrounding whitespace with trim: false', async () => {
    const path = join(dir, 'spaced');
    writeFileSync(path, ' value ');
    expect((await fileCredential(path, { trim: false })()).reveal()).toBe(' value ');
  });
});
