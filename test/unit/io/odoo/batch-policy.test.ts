import { describe, expect, it } from 'vitest';
import { createBatchAccumulator, validateBatchPolicy } from '../../../../src/io/odoo/batch-policy.js';

describe('batch policy', () => {
  it('needs a trigger and a consistent ceiling', () => {
    expect(() => validateBatchPolicy({ ceiling: { count: 10, bytes: 100 } })).toThrow(/at least one trigger/);
    expect(() => validateBatchPolicy({ count: 20, ceiling: { count: 10, bytes: 100 } })).toThrow(
      /count \(20\) must not exceed ceiling.count \(10\)/,
    );
    expect(() => validateBatchPolicy({ count: 0, ceiling: { count: 10, bytes: 100 } })).toThrow(/positive integer/);
  });

  it('flushes on count, bytes and period, and never exceeds the ceiling', () => {
    const acc = createBatchAccumulator<string>({
      count: 5,
      bytes: 1_000,
      periodMs: 100,
      ceiling: { count: 8, bytes: 2_000 },
    });
    expect(acc.add('a', 2, 10, 0)).toEqual([]);
    expect(acc.dueAtMs()).toBe(100);
    expect(acc.add('b', 3, 10, 5)).toEqual([['a', 'b']]);
    expect(acc.add('c', 1, 1_500, 10)).toEqual([['c']]);
    expect(acc.add('d', 1, 1, 20)).toEqual([]);
    expect(acc.poll(119)).toBeNull();
    expect(acc.poll(120)).toEqual(['d']);
    expect(acc.add('e', 4, 1, 200)).toEqual([]);
    // e (4) + f (6) would exceed the ceiling of 8: e goes alone, f is then over the count trigger.
    expect(acc.add('f', 6, 1, 201)).toEqual([['e'], ['f']]);
    expect(acc.add('g', 20, 1, 300)).toEqual([['g']]);
    expect(acc.drain()).toEqual([]);
    expect(acc.pending).toEqual({ items: 0, size: 0, bytes: 0 });
  });
});
