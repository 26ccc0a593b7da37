// Random sample streams for core property tests, built from fast-check arbitraries.
import fc from 'fast-check';
import type { RawSample } from '../../src/core/types.js';

export const T0 = Date.UTC(2026, 2, 28, 20, 0, 0); // Saturday evening before the Berlin spring-forward night

export interface StreamShape {
  readonly workCenters: number;
  readonly maxGapMs: number;
  readonly length: number;
}

const STATE_VALUES = ['1', '2', '3', '4', '5', '6', '7'];

/** A stream of samples in event-time order across the test plan's machines. */
export function sampleStream(shape: StreamShape): fc.Arbitrary<RawSample[]> {
  const step = fc.record({
    gap: fc.integer({ min: 0, max: shape.maxGapMs }),
    wc: fc.integer({ min: 1, max: shape.workCenters }),
    kind: fc.constantFrom(
      ...(['state', 'state', 'state', 'reason', 'good', 'goodB', 'scrap', 'hb', 'strokes', 'milestone'] as const),
      'inspect',
    ),
    pick: fc.integer({ min: 0, max: 1_000_000 }),
  });
  return fc.array(step, { minLength: 1, maxLength: shape.length }).map((steps) => {
    let ts = T0;
    const counters = new Map<string, number>();
    const out: RawSample[] = [];
    for (const s of steps) {
      ts += s.gap;
      const a = `M${s.wc}a`;
      const b = `M${s.wc}b`;
      let sample: RawSample;
      switch (s.kind) {
        case 'state':
          sample = {
            tag: `${a}.STATE`,
            tsMs: ts,
            value: Number(STATE_VALUES[s.pick % STATE_VALUES.length]),
            quality: 'good',
          };
          break;
        case 'reason':
          sample = { tag: `${a}.REASON`, tsMs: ts, value: ['0', 'r1', 'r2'][s.pick % 3]!, quality: 'good' };
          break;
        case 'good':
        case 'goodB': {
          const tag = s.kind === 'good' ? `${a}.GOOD` : `${b}.GOOD`;
          const prev = counters.get(tag) ?? s.pick % 65_000;
          // mostly increase, sometimes roll over (tag a) or reset (tag b)
          let next = prev + (s.pick % 50);
          if (s.pick % 17 === 0) next = s.pick % 30;
          if (tag.endsWith('a.GOOD')) next %= 65536;
          counters.set(tag, next);
          sample = { tag, tsMs: ts, value: next, quality: 'good' };
          break;
        }
        case 'scrap':
          sample = { tag: `${a}.SCRAP`, tsMs: ts, value: s.pick % 3, quality: 'good' };
          break;
        case 'strokes':
          sample = { tag: `${b}.STROKES`, tsMs: ts, value: s.pick % 7, quality: 'good' };
          break;
        case 'milestone':
          sample = { tag: `${a}.DOWN`, tsMs: ts, value: 'WO/1', quality: 'good' };
          break;
        case 'inspect':
          // A measure around the limits [11.95, 12.05] (passed or failed), or a PLC's failed verdict.
          sample =
            s.pick % 3 === 0
              ? { tag: `${b}.QC_FAIL`, tsMs: ts, value: 'WO/1', quality: 'good' }
              : { tag: `${a}.BORE`, tsMs: ts, value: 11.9 + (s.pick % 5) * 0.05, quality: 'good' };
          break;
        default:
          sample = { tag: `${a}.HB`, tsMs: ts, value: true, quality: 'good' };
      }
      out.push(sample);
    }
    return out;
  });
}

/** Arrival order: each sample is displaced by less than `boundMs` (stable for equal keys). */
export function permuteWithin(samples: readonly RawSample[], jitters: readonly number[], boundMs: number): RawSample[] {
  const keyed = samples.map((s, i) => ({
    s,
    key: s.tsMs + ((jitters[i % Math.max(1, jitters.length)] ?? 0) % boundMs),
    i,
  }));
  keyed.sort((x, y) => x.key - y.key || x.i - y.i);
  return keyed.map((k) => k.s);
}
