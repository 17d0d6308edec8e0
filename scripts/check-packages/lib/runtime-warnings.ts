// Runtime warnings a smoke run printed, read from its stderr.

import { compareVersions, parseVersion } from './versions.ts';

export interface RuntimeWarning {
  readonly code: string;
  readonly message: string;
  /** The first stack frames, to tell which package printed it. */
  readonly at: string;
}

export const WARNING_LINE = /^\(node:\d+\) (?:\[(\w+)\] )?(\w*Warning): (.*)$/;
export const FRAME = /^\s+at /;

/**
 * Warnings Node itself prints for a consumer doing what these packages document, not caused by them:
 * Node 22.12 still calls require() of ESM experimental (22.13 and later do not).
 */
export function isExpectedWarning(warning: RuntimeWarning, node: string): boolean {
  return (
    warning.code === 'ExperimentalWarning' &&
    /using require\(\)|Support for loading ES Module in require\(\)/.test(warning.message) &&
    compareVersions(parseVersion(node) ?? [0, 0, 0], [22, 13, 0]) < 0
  );
}

/** The warnings in a run's stderr (printed with --trace-warnings) and what is left once they are removed. */
export function readWarnings(stderr: string): { warnings: RuntimeWarning[]; rest: string } {
  const lines = stderr.split('\n');
  const warnings: RuntimeWarning[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const match = WARNING_LINE.exec(line);
    if (!match) {
      if (!line.startsWith('(Use `node --trace-')) rest.push(line);
      continue;
    }
    // A message may run over a few lines before its stack frames.
    const message = [match[3] ?? ''];
    let next = i + 1;
    const firstFrame = lines.findIndex((l, index) => index > i && FRAME.test(l));
    if (firstFrame !== -1 && firstFrame - i <= 4) {
      for (; next < firstFrame; next++) message.push(lines[next] ?? '');
    }
    const frames: string[] = [];
    for (; next < lines.length && FRAME.test(lines[next] ?? ''); next++)
      frames.push((lines[next] ?? '').trim());
    i = next - 1;
    const ours = frames.filter((frame) => frame.includes('@attache/'));
    warnings.push({
      code: match[1] ?? match[2] ?? 'Warning',
      message: message.join(' ').trim(),
      at: (ours.length > 0 ? ours : frames).slice(0, 3).join('\n'),
    });
  }
  return { warnings, rest: rest.join('\n') };
}
