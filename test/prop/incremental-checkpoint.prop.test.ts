// Incremental checkpoints (docs/architecture.md, "Checkpoints"): a base snapshot plus the deltas
// taken after it restores exactly the state of the processor that took them, whatever the stream
// (late samples, amendments, pruning past the horizon, order signals and Odoo snapshots) and
// wherever the checkpoints fall; a processor restored so goes on exactly as the uninterrupted one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  WindowedProcessor,
  type ProcessorDelta,
  type ProcessorOptions,
  type ProcessorOutput,
  type ProcessorSnapshot,
} from '../../src/core/processor.js';
import type { PlantPlan } from '../../src/core/plan.js';
import type { MachineEvent } from '../../src/core/types.js';
import { mergeByTs, orderSignals, snapshotUpdates, type SnapshotUpdate } from '../support/attribution.js';
import { chainedStream } from '../support/orders.js';
import { HOUR, MIN, testPlan } from '../support/plan.js';
import { toEvents } from '../support/run-core.js';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function restoreChain(
  plan: PlantPlan,
  base: ProcessorSnapshot,
  deltas: readonly ProcessorDelta[],
  options: ProcessorOptions,
): WindowedProcessor {
  const p = WindowedProcessor.restore(plan, base, options);
  for (const d of deltas) p.applyDelta(d);
  return p;
}

interface Drive {
  /** Event positions where a checkpoint is taken (ascending). */
  readonly cuts: readonly number[];
  /** Per cut: a new base (true) or a delta (false). */
  readonly bases: readonly boolean[];
}

/**
 * Runs `events` (and the Odoo snapshots at their positions) through one processor, checkpointing
 * at the cuts; at each cut the chain restores the live state exactly. After the last cut, the
 * restored processor and the live one are fed the rest and must emit the same bytes.
 */
function check(
  plan: PlantPlan,
  events: readonly MachineEvent[],
  updates: readonly SnapshotUpdate[],
  drive: Drive,
  options: ProcessorOptions = {},
): void {
  const live = new WindowedProcessor(plan, options);
  let base = clone(live.snapshot());
  live.markCheckpoint();
  let deltas: ProcessorDelta[] = [];
  let i = 0;
  let u = 0;
  const feed = (p: WindowedProcessor, from: number, to: number, fromUpdate: number): [ProcessorOutput[], number] => {
    const outs: ProcessorOutput[] = [];
    let k = fromUpdate;
    for (let at = from; at < to;) {
      for (; k < updates.length && updates[k]!.atIndex <= at; k++) outs.push(p.applyOrdersSnapshot(updates[k]!));
      const next = k < updates.length ? Math.min(to, Math.max(at + 1, updates[k]!.atIndex)) : to;
      outs.push(p.ingest(events.slice(at, next)));
      at = next;
    }
    return [outs, k];
  };
  const cuts = [...new Set(drive.cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
  let restored: WindowedProcessor | undefined;
  cuts.forEach((cut, k) => {
    [, u] = feed(live, i, cut, u);
    i = cut;
    if (drive.bases[k % drive.bases.length] === true) {
      base = clone(live.snapshot());
      live.markCheckpoint();
      deltas = [];
    } else deltas.push(clone(live.takeDelta()));
    restored = restoreChain(plan, base, deltas, options);
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(live.snapshot()));
  });
  if (restored === undefined) return;
  const [a] = feed(live, i, events.length, u);
  const [b] = feed(restored, i, events.length, u);
  for (; u < updates.length; u++) {
    a.push(live.applyOrdersSnapshot(updates[u]!));
    b.push(restored.applyOrdersSnapshot(updates[u]!));
  }
  // The end of the input: close what a watermark past the last sample allows.
  const endMs = events.reduce((m, e) => Math.max(m, e.tsMs), 0) + 3 * HOUR;
  a.push(live.advanceTo(endMs));
  b.push(restored.advanceTo(endMs));
  expect(JSON.stringify(b)).toBe(JSON.stringify(a));
}

const driveArb = fc.record({
  cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 12, size: 'max' }),
  bases: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
});

describe('incremental checkpoints: base + deltas restore the state exactly', () => {
  // A short horizon and no shift window (a shift keeps two days), so that the streams prune (the
  // deltas' head rows) between checkpoints.
  const plan = testPlan({
    workCenters: 2,
    windows: [
      { kind: 'tumbling', name: '5m', sizeMs: 5 * MIN },
      { kind: 'tumbling', name: '15m', sizeMs: 15 * MIN },
    ],
    silenceTimeoutMs: 20 * MIN,
    eventTime: { amendmentHorizonMs: 30 * MIN },
  });
  const stream = chainedStream({ workCenters: 2, maxGapMs: 10 * MIN, length: 200 }, 10);

  it('any stream with late samples, checkpoints anywhere', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12, size: 'max' }), driveArb, (samples, picks, drive) => {
        const held = new Set(picks.map((p) => p % samples.length));
        const arrival = [...samples.filter((_, i) => !held.has(i)), ...samples.filter((_, i) => held.has(i))];
        check(plan, toEvents(plan, arrival), [], drive);
      }),
      { numRuns: 120 },
    );
  });

  it('order attribution: plant signals and Odoo snapshots between the checkpoints', () => {
    const hourly = Array.from({ length: 24 }, (_, h) => ({
      name: `h${String(h).padStart(2, '0')}`,
      start: `${String(h).padStart(2, '0')}:00`,
      end: `${String((h + 1) % 24).padStart(2, '0')}:00`,
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
    }));
    const attributed = testPlan({
      workCenters: 2,
      orderTags: true,
      silenceTimeoutMs: 4 * MIN,
      idealCycleTimeMs: 1000,
      windows: [
        { kind: 'tumbling', name: '15m', sizeMs: 15 * MIN },
        { kind: 'shift', name: 'shift' },
      ],
      calendar: { shifts: hourly },
      eventTime: { amendmentHorizonMs: 2 * HOUR },
    });
    fc.assert(
      fc.property(
        chainedStream({ workCenters: 2, maxGapMs: 200_000, length: 120 }, 8),
        orderSignals(2),
        snapshotUpdates(2, 100),
        driveArb,
        (samples, signals, updates, drive) => {
          check(attributed, toEvents(attributed, mergeByTs(samples, signals)), updates, drive, { orders: true });
        },
      ),
      { numRuns: 80 },
    );
  });
});
