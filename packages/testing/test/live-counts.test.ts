import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { liveCounts } from '../src/live-counts.ts';

describe('liveCounts (the mocks’ `calls`)', () => {
  it('always reads the current counts, derived ones included, after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'reset'), { maxLength: 50 }), (steps) => {
        const counts = { a: 0, b: 0 };
        const view = liveCounts(counts, { both: () => counts.a + counts.b });
        for (const step of steps) {
          if (step === 'reset') {
            counts.a = 0;
            counts.b = 0;
          } else counts[step]++;
          expect(view).toEqual({ a: counts.a, b: counts.b, both: counts.a + counts.b });
        }
      }),
    );
  });

  it('is read-only', () => {
    const view = liveCounts({ total: 1 });
    expect(() => {
      (view as { total: number }).total = 5;
    }).toThrow(TypeError);
    expect(view.total).toBe(1);
    expect(Object.keys(view)).toEqual(['total']);
  });
});
