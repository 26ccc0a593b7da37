// Shift summaries for report tests, computed by the real core (WindowedProcessor) from a seeded,
// hand-rolled sample stream over a 3-work-center test plant: running, idle, setup, a planned break
// and downtime with several reasons, good/scrap counters and a named count.
import type { PlantPlan } from '../../../src/core/plan.js';
import { WindowedProcessor } from '../../../src/core/processor.js';
import type { OrderSummary, RawSample, WindowSummary } from '../../../src/core/types.js';
import { HOUR, MIN, testPlan } from '../../support/plan.js';
import { toEvents } from '../../support/run-core.js';
import { seededRandom } from '../../../src/testkit/seeded-random.js';

/** Tue 2026-03-10 06:00 Europe/Berlin (UTC+01:00). */
export const EARLY_START_MS = Date.UTC(2026, 2, 10, 5, 0, 0);
/** Sat 2026-03-28 22:00 Europe/Berlin (UTC+01:00); the clocks go forward during this night shift. */
export const DST_NIGHT_START_MS = Date.UTC(2026, 2, 28, 21, 0, 0);

const prng = seededRandom;

const DOWN_REASONS = [
  'tool-breakage',
  'material-shortage',
  'sensor-fault',
  'die-change-overrun',
  'operator-absent',
] as const;

/** Raw samples of `hours` hours from `fromMs`. */
export function generateSamples(plan: PlantPlan, fromMs: number, hours: number, seed: number): RawSample[] {
  const rnd = prng(seed);
  const samples: RawSample[] = [];
  const endMs = fromMs + hours * HOUR;
  const wcCount = plan.workCenters.size;
  for (let i = 1; i <= wcCount; i++) {
    const a = `M${i}a`;
    const b = `M${i}b`;
    let t = fromMs;
    let good = 1000 * i;
    let strokes = 0;
    const push = (tag: string, ts: number, value: number | string): void => {
      samples.push({ tag, tsMs: ts, value, quality: 'good' });
    };
    push(`${a}.GOOD`, t, good);
    push(`${b}.GOOD`, t, 0);
    let bGood = 0;
    while (t < endMs) {
      const r = rnd();
      let state: string;
      let dur: number;
      // A planned break 3 hours into the period, for every work center.
      const breakAt = fromMs + 3 * HOUR;
      if (t < breakAt && t + 45 * MIN > breakAt && t + 5 * MIN < breakAt) {
        push(`${a}.STATE`, t, '1');
        const until = breakAt;
        for (let c = t + 2 * MIN; c < until; c += 2 * MIN) {
          good += Math.floor((2 * MIN) / 2500);
          push(`${a}.GOOD`, c, good % 65536);
        }
        t = until;
        push(`${a}.STATE`, t, '4');
        for (let c = t + 2 * MIN; c < t + 30 * MIN; c += 2 * MIN) push(`${a}.GOOD`, c, good % 65536);
        t += 30 * MIN;
        continue;
      }
      if (r < 0.55) {
        state = '1';
        dur = (8 + Math.floor(rnd() * 40)) * MIN;
      } else if (r < 0.68) {
        state = '2';
        dur = (2 + Math.floor(rnd() * 8)) * MIN;
      } else if (r < 0.78) {
        state = '3';
        dur = (10 + Math.floor(rnd() * 15)) * MIN;
      } else if (r < 0.86) {
        state = '6';
        dur = (3 + Math.floor(rnd() * 10)) * MIN;
      } else {
        state = '5';
        dur = (4 + Math.floor(rnd() * 25)) * MIN + Math.floor(rnd() * 60) * 1000;
      }
      if (state === '5') push(`${a}.REASON`, t - 1000, DOWN_REASONS[Math.floor(rnd() * DOWN_REASONS.length)]!);
      push(`${a}.STATE`, t, state);
      for (let c = t + 2 * MIN; c < t + dur; c += 2 * MIN) {
        if (state === '1') {
          good += Math.floor((2 * MIN) / (2500 + i * 300));
          bGood += 7;
          strokes += 30;
          push(`${b}.STROKES`, c, 30);
          if (rnd() < 0.15) push(`${a}.SCRAP`, c, 1 + Math.floor(rnd() * 3));
        }
        push(`${a}.GOOD`, c, good % 65536);
        push(`${b}.GOOD`, c, bGood);
      }
      t += dur;
    }
    void strokes;
  }
  return samples.sort((x, y) => x.tsMs - y.tsMs || (x.tag < y.tag ? -1 : x.tag > y.tag ? 1 : 0));
}

export interface FixtureRun {
  readonly plan: PlantPlan;
  /** Every summary the core emitted (all window kinds, all revisions), in emission order. */
  readonly all: WindowSummary[];
  /** Shift summaries only. */
  readonly shifts: WindowSummary[];
}

/** Runs the core over `hours` of samples and closes everything (advanceTo past the end). */
export function runFixture(
  options: { fromMs?: number; hours?: number; seed?: number; workCenters?: number; plantId?: string } = {},
): FixtureRun {
  const base = testPlan({ workCenters: options.workCenters ?? 3, idealCycleTimeMs: 2400 });
  const plan: PlantPlan = options.plantId === undefined ? base : { ...base, plantId: options.plantId };
  const fromMs = options.fromMs ?? EARLY_START_MS;
  const hours = options.hours ?? 8;
  const events = toEvents(plan, generateSamples(plan, fromMs, hours, options.seed ?? 7));
  const processor = new WindowedProcessor(plan, { windowNames: ['shift'] });
  const all: WindowSummary[] = [];
  all.push(...processor.ingest(events).summaries);
  all.push(...processor.advanceTo(fromMs + (hours + 2) * HOUR).summaries);
  return { plan, all, shifts: all.filter((s) => s.windowKind === 'shift') };
}

export function toNdjson(summaries: readonly WindowSummary[]): string {
  return summaries.map((s) => JSON.stringify(s)).join('\n') + '\n';
}

/**
 * Shift and order summaries (semantics section 11) of one early shift on two work centers: WC1's
 * order tag names `MO/<1>` at 06:00, `MO/2` at 09:00 and "no order" at 12:00; WC2 has none.
 */
export function runOrdersFixture(): { shifts: WindowSummary[]; orders: OrderSummary[] } {
  const plan = testPlan({ workCenters: 2, idealCycleTimeMs: 2400, orderTags: true });
  const signal = (h: number, value: string): RawSample => ({
    tag: 'M1a.ORDER',
    tsMs: EARLY_START_MS + h * HOUR,
    value,
    quality: 'good',
  });
  const samples = [
    ...generateSamples(plan, EARLY_START_MS, 8, 7),
    signal(0, 'MO/<1>'),
    signal(3, 'MO/2'),
    signal(6, ''),
  ].sort((a, b) => a.tsMs - b.tsMs);
  const p = new WindowedProcessor(plan, { windowNames: ['shift'] });
  const a = p.ingest(toEvents(plan, samples));
  const b = p.advanceTo(EARLY_START_MS + 10 * HOUR);
  return { shifts: [...a.summaries, ...b.summaries], orders: [...a.orderSummaries, ...b.orderSummaries] };
}
