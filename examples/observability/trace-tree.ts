import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const KIND: Record<number, string> = { [SpanKind.INTERNAL]: 'internal', [SpanKind.CLIENT]: 'client' };

// The attributes worth a glance in a terminal, in this order.
const SHOWN = [
  'attache.send_reason',
  'attache.retry_reason',
  'http.request.resend_count',
  'http.response.status_code',
  'error.type',
  'attache.token.origin',
  'attache.token.grant_type',
  'attache.attempts',
];

function describe(span: ReadableSpan): string {
  const shown = SHOWN.filter((name) => span.attributes[name] !== undefined).map(
    (name) =>
      `${name.replace(/^(attache|http\.request|http\.response)\./, '')}=${String(span.attributes[name])}`,
  );
  const ms = span.duration[0] * 1000 + span.duration[1] / 1e6;
  return `${span.name} (${KIND[span.kind] ?? 'span'}, ${ms.toFixed(1)} ms)${shown.length ? `  ${shown.join(' ')}` : ''}`;
}

const startOf = (span: ReadableSpan) => span.startTime[0] * 1e9 + span.startTime[1];
const endOf = (span: ReadableSpan) => span.endTime[0] * 1e9 + span.endTime[1];

// Start order. Spans rebuilt from an event's duration in whole milliseconds start up to 1 ms off, so two that
// start within 1 ms of each other count as starting together: the one that ends later (it encloses the other)
// first, then by name. The order does not depend on where a millisecond boundary fell.
const SAME_START_NS = 1e6;
const byStart = (a: ReadableSpan, b: ReadableSpan) =>
  Math.abs(startOf(a) - startOf(b)) <= SAME_START_NS
    ? endOf(b) - endOf(a) || a.name.localeCompare(b.name)
    : startOf(a) - startOf(b);

/** The spans of one trace as an indented tree, children in start order, for printing. */
export function traceTree(spans: readonly ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, prefix: string): void => {
    const list = [...(children.get(parent) ?? [])].sort(byStart);
    list.forEach((span, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${parent === undefined ? '' : last ? '└─ ' : '├─ '}${describe(span)}`);
      walk(span.spanContext().spanId, parent === undefined ? prefix : `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(undefined, '');
  return lines;
}
