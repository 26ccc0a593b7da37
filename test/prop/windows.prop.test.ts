import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WindowSpec } from '../../src/core/plan.js';
import {
  hoppingWindowStartsMs,
  tumblingStartMs,
  windowRefsContaining,
  windowRefsOverlapping,
} from '../../src/core/windows.js';

// Instants across the whole practical range, negative (before 1970) included, with extra weight on
// small values where sign and remainder edge cases live.
const ts = fc.oneof(fc.integer({ min: -4e12, max: 8e12 }), fc.integer({ min: -1000, max: 1000 }));
const size = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 7 * 86_400_000 }));

describe('tumbling windows', () => {
  it('put every timestamp in exactly one window, aligned to the epoch', () => {
    fc.assert(
      fc.property(ts, size, fc.integer({ min: 0, max: 5 }), (t, sizeMs, spread) => {
        const start = tumblingStartMs(t, sizeMs);
        expect(start <= t && t < start + sizeMs).toBe(true);
        expect(Math.abs(start % sizeMs)).toBe(0);
        const spec: WindowSpec = { kind: 'tumbling', name: 't', sizeMs };
        // Among all windows around t, exactly one contains it, and it is the one windowRefsContaining gives.
        const around = windowRefsOverlapping(spec, t - spread * sizeMs, t + spread * sizeMs + 1);
        const containing = around.filter((r) => r.startMs <= t && t < r.endMs);
        expect(containing).toHaveLength(1);
        expect(windowRefsContaining(spec, t)).toEqual(containing);
        expect(containing[0]?.windowId).toBe(new Date(start).toISOString());
      }),
    );
  });

  it('tile any range: contiguous, ascending, covering [from, to) and nothing more', () => {
    fc.assert(
      fc.property(ts, fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 0, max: 1e9 }), (from, sizeMs, raw) => {
        const length = raw % (40 * sizeMs + 1); // up to about 40 windows
        const to = from + length;
        const refs = windowRefsOverlapping({ kind: 'tumbling', name: 't', sizeMs }, from, to);
        if (length === 0) {
          expect(refs).toEqual([]);
          return;
        }
        expect(refs[0]?.startMs).toBeLessThanOrEqual(from);
        expect(refs[0]?.endMs).toBeGreaterThan(from);
        expect(refs[refs.length - 1]?.startMs).toBeLessThan(to);
        expect(refs[refs.length - 1]?.endMs).toBeGreaterThanOrEqual(to);
        expect(refs.every((r, i) => i === 0 || r.startMs === refs[i - 1]?.endMs)).toBe(true);
      }),
    );
  });
});

describe('hopping windows', () => {
  it('cover each timestamp exactly size/advance times when advance divides size', () => {
    fc.assert(
      fc.property(ts, fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 1, max: 24 }), (t, advanceMs, k) => {
        const sizeMs = advanceMs * k;
        const starts = hoppingWindowStartsMs(t, sizeMs, advanceMs);
        expect(starts).toHaveLength(k);
        for (const s of starts) {
          expect(s <= t && t < s + sizeMs).toBe(true);
          expect(Math.abs(s % advanceMs)).toBe(0);
        }
        for (let i = 1; i < starts.length; i++) expect(starts[i]).toBe((starts[i - 1] ?? 0) + advanceMs);
        // The range listing agrees: the windows around t that contain t are exactly these.
        const spec: WindowSpec = { kind: 'hopping', name: 'h', sizeMs, advanceMs };
        const around = windowRefsOverlapping(spec, t - sizeMs, t + sizeMs);
        expect(around.filter((r) => r.startMs <= t && t < r.endMs).map((r) => r.startMs)).toEqual(starts);
        expect(windowRefsContaining(spec, t).map((r) => r.startMs)).toEqual(starts);
      }),
    );
  });

  it('cover each timestamp floor or ceil of size/advance times otherwise', () => {
    fc.assert(
      fc.property(ts, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 1e9 }), (t, advanceMs, raw) => {
        const sizeMs = advanceMs + (raw % (40 * advanceMs)); // advance <= size < 41 * advance
        const starts = hoppingWindowStartsMs(t, sizeMs, advanceMs);
        const n = starts.length;
        expect(n === Math.floor(sizeMs / advanceMs) || n === Math.ceil(sizeMs / advanceMs)).toBe(true);
        for (const s of starts) expect(s <= t && t < s + sizeMs).toBe(true);
        // Complete: the start just before the first and just after the last do not contain t.
        const first = starts[0] ?? 0;
        const last = starts[n - 1] ?? 0;
        expect(first - advanceMs + sizeMs <= t).toBe(true);
        expect(last + advanceMs > t).toBe(true);
      }),
    );
  });

  it('list every window intersecting a range, ascending', () => {
    fc.assert(
      fc.property(
        ts,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 1e9 }),
        (from, advanceMs, k, raw) => {
          const sizeMs = advanceMs * k;
          const length = 1 + (raw % (40 * advanceMs)); // up to about 40 + k windows
          const to = from + length;
          const refs = windowRefsOverlapping({ kind: 'hopping', name: 'h', sizeMs, advanceMs }, from, to);
          for (const r of refs) expect(r.startMs < to && r.endMs > from).toBe(true);
          expect(refs.every((r, i) => i === 0 || r.startMs === (refs[i - 1]?.startMs ?? 0) + advanceMs)).toBe(true);
          // The neighbours outside the list do not intersect.
          const first = refs[0]?.startMs ?? 0;
          const last = refs[refs.length - 1]?.startMs ?? 0;
          expect(first - advanceMs + sizeMs <= from).toBe(true);
          expect(last + advanceMs >= to).toBe(true);
        },
      ),
    );
  });
});
