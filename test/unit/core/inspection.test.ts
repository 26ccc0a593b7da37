// Inspection and quality-hold milestones from plant tags and from canonical producers
// (docs/semantics.md section 9): the measure, the test and the limits; pass/fail by the limits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapSample, validateCanonicalEvent } from '../../../src/core/mapping.js';
import { createMilestoneTracker } from '../../../src/core/milestones.js';
import { inspectionVerdict, machineEvent, withRunningOrder, type MachineEvent } from '../../../src/core/types.js';
import { loadTopologyFromString } from '../../../src/topology/index.js';

const MINIMAL = readFileSync(join(import.meta.dirname, '../../fixtures/topologies/minimal.yaml'), 'utf8');
const TAGS = `
  P01.BORE:
    machine: press-01
    role: milestone
    milestone: inspection
    test: bore-diameter
    unit: mm
    limitLow: 11.95
    limitHigh: 12.05
    scrapOnFail: 1
  P01.VISUAL:
    machine: press-01
    role: milestone
    milestone: inspection_failed
    test: visual
  P01.HOLD:
    machine: press-01
    role: milestone
    milestone: quality_hold
  P01.RELEASE:
    machine: press-01
    role: milestone
    milestone: quality_release
`;
const TEXT = MINIMAL.replace('tags:\n', `tags:\n${TAGS.slice(1)}`);
const plant = loadTopologyFromString(TEXT, 'inspection.yaml').plant;
const T = Date.UTC(2026, 2, 25, 8, 0, 0);

function mapped(tag: string, value: number | string): MachineEvent {
  const v = mapSample(plant, { tag, tsMs: T, value, quality: 'good' });
  if (!v.ok) throw new Error(`${v.reason}: ${v.detail}`);
  return v.event;
}

describe('inspections from plant tags', () => {
  it('a measuring tag: the value is the measure, the inclusive limits decide pass or fail', () => {
    const inside = mapped('P01.BORE', 12.05);
    expect(inside.milestone).toBe('inspection_passed');
    expect(inside.inspection).toEqual({
      test: 'bore-diameter',
      measure: 12.05,
      unit: 'mm',
      limitLow: 11.95,
      limitHigh: 12.05,
      lot: null,
    });
    expect(mapped('P01.BORE', 11.95).milestone).toBe('inspection_passed');
    expect(mapped('P01.BORE', '12.06').milestone).toBe('inspection_failed');
    expect(mapped('P01.BORE', 11.9).inspection?.measure).toBe(11.9);
  });

  it('a measuring tag rejects a value that is no number, saying where and what', () => {
    const v = mapSample(plant, { tag: 'P01.BORE', tsMs: T, value: 'n/a', quality: 'good' });
    expect(v).toEqual({
      ok: false,
      reason: 'non-numeric-measure',
      detail:
        `value: inspection tag 'P01.BORE' (test 'bore-diameter') ` +
        `expected a finite number (the measure), found "n/a"`,
    });
  });

  it('a fixed-kind inspection tag keeps its kind; a string value is the order', () => {
    const e = mapped('P01.VISUAL', 'WH/MO/00042');
    expect(e.milestone).toBe('inspection_failed');
    expect(e.orderRef).toBe('WH/MO/00042');
    expect(e.inspection).toEqual({
      test: 'visual',
      measure: null,
      unit: null,
      limitLow: null,
      limitHigh: null,
      lot: null,
    });
  });

  it('the tracker carries the inspection; a measure takes the order from the running order', () => {
    const tracker = createMilestoneTracker();
    const e = withRunningOrder(mapped('P01.BORE', 12.2), { order: 'WH/MO/00007', workOrderId: 17 });
    const m = tracker.observe(e);
    expect(m).toMatchObject({ kind: 'inspection_failed', orderRef: 'WH/MO/00007', reason: null });
    expect(m?.inspection?.measure).toBe(12.2);
    // Without order tagging the order is unknown.
    expect(tracker.observe(mapped('P01.BORE', 12.2))?.orderRef).toBeNull();
  });

  it('a hold tag: a string value is the reason, not an order; release matches by work center', () => {
    const tracker = createMilestoneTracker();
    const hold = tracker.observe(
      withRunningOrder(mapped('P01.HOLD', 'burr on edge'), { order: 'WH/MO/1', workOrderId: 3 }),
    );
    expect(hold).toMatchObject({ kind: 'quality_hold', reason: 'burr on edge', orderRef: 'WH/MO/1' });
    expect(tracker.observe(mapped('P01.RELEASE', ''))).toMatchObject({ kind: 'quality_release', reason: null });
  });
});

describe('inspections from canonical producers', () => {
  const base = (extra: Parameters<typeof machineEvent>[1]): MachineEvent =>
    machineEvent(
      {
        plantId: 'fixture',
        machineId: 'press-01',
        workCenterId: 'press-01',
        tag: 'qc',
        tsMs: T,
        kind: 'milestone',
        value: 1,
      },
      extra,
    );
  const insp = { test: 'bore', measure: 12.1, unit: 'mm', limitLow: 11.95, limitHigh: 12.05, lot: 'LOT-7' };

  it('accepts a consistent inspection', () => {
    expect(validateCanonicalEvent(plant, base({ milestone: 'inspection_failed', inspection: insp })).ok).toBe(true);
    expect(
      validateCanonicalEvent(plant, base({ milestone: 'inspection_passed', inspection: { ...insp, measure: null } }))
        .ok,
    ).toBe(true);
  });

  it('rejects a kind the measure and limits contradict, inverted limits, and an inspection on another kind', () => {
    expect(validateCanonicalEvent(plant, base({ milestone: 'inspection_passed', inspection: insp }))).toEqual({
      ok: false,
      reason: 'invalid-event',
      detail:
        "machine 'press-01' inspection: measure 12.1 against limits [11.95, 12.05] is inspection_failed, " +
        'found kind inspection_passed',
    });
    const inverted = validateCanonicalEvent(
      plant,
      base({ milestone: 'inspection_failed', inspection: { ...insp, limitLow: 13 } }),
    );
    expect(inverted.ok ? '' : inverted.detail).toBe(
      "machine 'press-01' inspection: expected limitLow <= limitHigh, found 13 > 12.05",
    );
    const other = validateCanonicalEvent(plant, base({ milestone: 'order_closed', inspection: insp }));
    expect(other.ok ? '' : other.detail).toBe(
      "machine 'press-01' inspection: expected it only on inspection_passed / inspection_failed, " +
        'found it on order_closed',
    );
  });

  it('inspectionVerdict: missing limits do not bound', () => {
    expect(inspectionVerdict(1e9, null, null)).toBe('inspection_passed');
    expect(inspectionVerdict(-1, 0, null)).toBe('inspection_failed');
    expect(inspectionVerdict(5, null, 4.999)).toBe('inspection_failed');
  });
});
