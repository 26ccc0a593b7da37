// Every shipped topology lints clean (no errors and no warnings), and its plan holds the values
// the file declares.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CounterTagPlan, ReasonTagPlan, StateTagPlan } from '../../../src/core/plan.js';
import { createShiftCalendar } from '../../../src/core/shifts.js';
import { formatProblem, lintTopologyFile, loadTopology } from '../../../src/topology/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const shipped = readdirSync(join(ROOT, 'topologies'))
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

describe('shipped topologies', () => {
  it('ships the two example plants', () => {
    expect(shipped).toEqual(expect.arrayContaining(['packaging-chicago.yaml', 'stamping-berlin.yaml']));
  });

  for (const name of shipped) {
    it(`topologies/${name} lints clean`, () => {
      const result = lintTopologyFile(join(ROOT, 'topologies', name));
      expect(result.problems.map(formatProblem)).toEqual([]);
      expect(result.plan?.plant.plantId).toBe(name.replace(/\.ya?ml$/, ''));
    });
  }
});

describe('stamping-berlin plan', () => {
  const plan = loadTopology(join(ROOT, 'topologies/stamping-berlin.yaml'));
  const { plant } = plan;

  it('has the plant, zone, event time and validation in integer ms', () => {
    expect(plan.plantName).toBe('Presswerk Berlin-Marienfelde');
    expect(plant.timeZone).toBe('Europe/Berlin');
    expect(plant.eventTime).toEqual({
      outOfOrdernessMs: 15_000,
      graceMs: 30_000,
      idleTimeoutMs: 60_000,
      amendmentHorizonMs: 172_800_000,
    });
    expect(plant.validation).toEqual({ maxFutureMs: 120_000, maxPastMs: 259_200_000 });
  });

  it('maps PLC state codes through the shared table; bare down gets the unspecified reason', () => {
    const tag = plant.tags.get('BER.PRESS01.STATE') as StateTagPlan;
    expect(tag.kind).toBe('state');
    expect(tag.machineId).toBe('press-01');
    expect(tag.values).toBeInstanceOf(Map);
    expect(tag.values.get('1')).toEqual({ category: 'running' });
    expect(tag.values.get('4')).toEqual({ category: 'down', reason: 'unspecified' });
    expect(tag.values.get('6')).toEqual({ category: 'down', reason: 'emergency-stop' });
    expect(tag.default).toEqual({ category: 'unknown' });
    expect(plant.tags.get('BER.PRESS02.STATE')).toMatchObject({ machineId: 'press-02', kind: 'state' });
  });

  it('reason tags: null clears, unlisted codes pass through', () => {
    const tag = plant.tags.get('BER.PRESS01.FAULT') as ReasonTagPlan;
    expect(tag.values.get('0')).toBeNull();
    expect(tag.values.get('301')).toBe('material-shortage');
    expect(tag.strict).toBe(false);
  });

  it('total counters roll over at 65536; named counts keep their name', () => {
    expect(plant.tags.get('BER.PRESS01.GOOD')).toEqual({
      tag: 'BER.PRESS01.GOOD',
      machineId: 'press-01',
      kind: 'counter',
      counter: 'good',
      mode: 'total',
      rolloverAt: 65_536,
    });
    expect((plant.tags.get('BER.PRESS01.STROKES') as CounterTagPlan).counter).toBe('strokes');
    expect(plant.tags.get('BER.WELD01.VISION_NOK')).toEqual({
      tag: 'BER.WELD01.VISION_NOK',
      machineId: 'weld-01',
      kind: 'milestone',
      milestone: 'inspection_failed',
      inspection: { measured: false, test: null, unit: null, limitLow: null, limitHigh: null, scrapOnFail: null },
    });
    expect(plant.tags.get('BER.PRESS01.HEARTBEAT')?.kind).toBe('heartbeat');
  });

  it('machines and work centers: state machine, members, silence timeouts, ideal cycle time', () => {
    expect(plant.machines.get('press-01')).toEqual({
      machineId: 'press-01',
      workCenterId: 'press-line-1',
      silenceTimeoutMs: 120_000,
    });
    expect(plant.machines.get('laser-01')?.silenceTimeoutMs).toBe(300_000);
    expect(plant.workCenters.get('press-line-1')).toEqual({
      workCenterId: 'press-line-1',
      odooCode: 'PL-01',
      stateMachineId: 'press-01',
      machineIds: ['press-01', 'destacker-01'],
      idealCycleTimeMs: 4000,
    });
    expect(plant.workCenters.get('press-02')?.stateMachineId).toBe('press-02'); // the only machine
    expect(plant.workCenters.get('blanking-01')?.idealCycleTimeMs).toBe(1500);
    expect(plant.workCenters.get('weld-cell-01')?.machineIds).toEqual(['weld-01', 'weld-01-r1', 'weld-01-r2']);
    expect(plant.workCenters.size).toBe(6);
  });

  it('windows and the shift calendar', () => {
    expect(plant.windows).toEqual([
      { kind: 'tumbling', name: '1m', sizeMs: 60_000 },
      { kind: 'tumbling', name: '15m', sizeMs: 900_000 },
      { kind: 'shift', name: 'shift' },
    ]);
    expect(plant.calendar.timeZone).toBe('Europe/Berlin');
    expect(plant.calendar.shifts).toEqual([
      { name: 'early', start: '06:00', end: '14:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      { name: 'late', start: '14:00', end: '22:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      { name: 'night', start: '22:00', end: '06:00', days: ['mon', 'tue', 'wed', 'thu', 'sun'] },
    ]);
    expect(plant.calendar.holidays).toContainEqual({ date: '2026-12-25', name: '1. Weihnachtstag' });
    expect(plant.calendar.overrides[0]).toEqual({
      date: '2026-03-28',
      shifts: [{ name: 'night', start: '22:00', end: '06:00' }],
    });
  });

  it(
    'the calendar resolves: the catch-up night across the ' +
      'spring change lasts 7 hours; no shift starts on Christmas',
    () => {
      const calendar = createShiftCalendar(plant.calendar);
      const night = calendar.instancesOverlapping(Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 2, 29, 12));
      expect(night.map((s) => [s.shiftId, s.endMs - s.startMs])).toEqual([['2026-03-28/night', 7 * 3_600_000]]);
      // From 06:00 local on Dec 24 (the Dec 23 night ends then) to Sunday Dec 27 22:00: one short early shift.
      const christmas = calendar.instancesOverlapping(Date.UTC(2026, 11, 24, 5), Date.UTC(2026, 11, 27, 21));
      expect(christmas.map((s) => [s.shiftId, s.endMs - s.startMs])).toEqual([['2026-12-24/early', 6 * 3_600_000]]);
    },
  );

  it('topics default from the plant id; policies and Odoo mapping', () => {
    expect(plan.topics).toEqual({
      raw: 'shiftstream.stamping-berlin.raw',
      canonical: 'shiftstream.stamping-berlin.canonical',
      enriched: 'shiftstream.stamping-berlin.enriched',
      milestones: 'shiftstream.stamping-berlin.milestones',
      windowSummaries: 'shiftstream.stamping-berlin.window-summaries',
      shiftSummaries: 'shiftstream.stamping-berlin.shift-summaries',
      orderSummaries: 'shiftstream.stamping-berlin.order-summaries',
      rejected: 'shiftstream.stamping-berlin.rejected',
      late: 'shiftstream.stamping-berlin.late',
    });
    expect(plan.policies).toEqual({ rejected: 'dead-letter', late: 'amend' });
    expect(plan.odoo.postCategories).toEqual(['running', 'idle', 'setup', 'down']);
    expect(plan.odoo.losses.get('running')).toBe('mrp.block_reason7');
    expect(plan.odoo.losses.get('down/quality-hold')).toBe('mrp.block_reason5');
    expect(plan.odoo.losses.get('down')).toBe('mrp.block_reason1');
    expect(plan.warnings).toEqual([]);
  });

  it('is frozen: objects, arrays and Maps refuse writes', () => {
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plant.calendar.shifts[0])).toBe(true);
    expect(Object.isFrozen(plant.windows)).toBe(true);
    expect(() => (plant.tags as Map<string, unknown>).set('X', {})).toThrow(/no writes to a compiled plan Map/);
    expect(() => (plan.odoo.losses as Map<string, string>).delete('running')).toThrow();
    expect(() =>
      ((plant.tags.get('BER.PRESS01.STATE') as StateTagPlan).values as Map<string, unknown>).clear(),
    ).toThrow();
    expect(plant.tags.size).toBeGreaterThan(40);
  });
});

describe('packaging-chicago plan', () => {
  const plan = loadTopology(join(ROOT, 'topologies/packaging-chicago.yaml'));
  const { plant } = plan;

  it('string states from merged templates, strict fault tables, delta counters', () => {
    const state = plant.tags.get('CHI.L3.CAPPER.STATE') as StateTagPlan;
    expect(state.machineId).toBe('l3-capper');
    expect(state.values.get('STARVED')).toEqual({ category: 'idle' });
    expect(state.values.get('OFF')).toEqual({ category: 'planned_stop' });
    expect(state.values.get('ESTOP')).toEqual({ category: 'down', reason: 'emergency-stop' });
    const fault = plant.tags.get('CHI.L1.FILLER.FAULT') as ReasonTagPlan;
    expect(fault.strict).toBe(true);
    expect(fault.values.get('')).toBeNull();
    expect(fault.values.get('TORQUE')).toBe('cap-torque');
    expect(plant.tags.get('CHI.L2.CAPPER.GOOD')).toEqual({
      tag: 'CHI.L2.CAPPER.GOOD',
      machineId: 'l2-capper',
      kind: 'counter',
      counter: 'good',
      mode: 'delta',
    });
    expect((plant.tags.get('CHI.L4.CASEPACKER.CASES') as CounterTagPlan).counter).toBe('cases');
  });

  it('work centers with ideal cycle times; hopping window; 7-day 12-hour shifts', () => {
    expect(plant.workCenters.get('line-1')).toMatchObject({
      stateMachineId: 'l1-filler',
      idealCycleTimeMs: 150,
      machineIds: ['l1-filler', 'l1-capper', 'l1-casepacker'],
    });
    expect(plant.workCenters.get('line-4')?.idealCycleTimeMs).toBe(500);
    expect(plant.machines.get('l2-capper')?.silenceTimeoutMs).toBe(90_000);
    expect(plant.windows).toEqual([
      { kind: 'tumbling', name: '5m', sizeMs: 300_000 },
      { kind: 'hopping', name: '1h-every-15m', sizeMs: 3_600_000, advanceMs: 900_000 },
      { kind: 'shift', name: 'shift' },
    ]);
    expect(plant.calendar.shifts.map((s) => s.days.length)).toEqual([7, 7]);
  });

  it('DST: the spring night lasts 11 hours and the autumn night 13', () => {
    const calendar = createShiftCalendar(plant.calendar);
    const at = (iso: string) => calendar.instanceAt(Date.parse(iso));
    const spring = at('2026-03-08T03:00:00-05:00');
    const autumn = at('2026-11-01T03:00:00-06:00');
    expect([spring?.shiftId, (spring?.endMs ?? 0) - (spring?.startMs ?? 0)]).toEqual([
      '2026-03-07/night',
      11 * 3_600_000,
    ]);
    expect([autumn?.shiftId, (autumn?.endMs ?? 0) - (autumn?.startMs ?? 0)]).toEqual([
      '2026-10-31/night',
      13 * 3_600_000,
    ]);
  });

  it('a topic override next to derived defaults; the default post list', () => {
    expect(plan.topics.raw).toBe('scada.chicago.tags');
    expect(plan.topics.enriched).toBe('shiftstream.packaging-chicago.enriched');
    expect(plan.odoo.postCategories).toEqual(['running', 'idle', 'setup', 'planned_stop', 'down']);
    expect(plan.odoo.losses.get('planned_stop')).toBe('Planned Downtime');
  });
});
