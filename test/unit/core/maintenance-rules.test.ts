// Maintenance rules on shift summaries (docs/semantics.md section 12): stops of one reason, the
// three thresholds with their crossing instants, strictness at the threshold, stops joined across
// an order change, only final shift summaries of the rule's work center.
import { describe, expect, it } from 'vitest';
import {
  evaluateMaintenanceRules,
  stopsOf,
  type MaintenancePlan,
  type MaintenanceRulePlan,
} from '../../../src/core/maintenance-rules.js';
import type { StateInterval } from '../../../src/core/types.js';
import { makeSummary } from '../io/odoo/summary-fixtures.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 6);

const rule = (over: Partial<MaintenanceRulePlan> & Pick<MaintenanceRulePlan, 'threshold'>): MaintenanceRulePlan => ({
  name: 'r',
  workCenterId: 'wc-1',
  reason: 'jam',
  equipment: 'PRESS-01',
  team: null,
  priority: null,
  description: null,
  ...over,
});
const plan = (...rules: MaintenanceRulePlan[]): MaintenancePlan => ({ cooldownMs: 0, rules, equipment: new Map() });

// 06:00 running 30 min, jam 10 min, running 20, jam 4, hydraulic 6, jam 7, running rest of 8 h.
const shift = makeSummary({
  workCenterId: 'wc-1',
  windowId: '2026-03-02/early',
  startMs: T0,
  pieces: [
    ['running', 30 * MIN],
    ['down', 10 * MIN, 'jam'],
    ['running', 20 * MIN],
    ['down', 4 * MIN, 'jam'],
    ['down', 6 * MIN, 'hydraulic'],
    ['down', 7 * MIN, 'jam'],
    ['running', 403 * MIN],
  ],
});

describe('maintenance rules', () => {
  it('finds the stops of a reason', () => {
    expect(stopsOf(shift.intervals, 'jam').map((s) => [(s.startMs - T0) / MIN, (s.endMs - T0) / MIN])).toEqual([
      [30, 40],
      [60, 64],
      [70, 77],
    ]);
  });

  it('joins intervals of one stop that an order change split, keeping both orders', () => {
    const intervals: StateInterval[] = [
      { startMs: 0, endMs: 5, category: 'down', reason: 'jam', orderRef: 'MO/1', workOrderId: 11 },
      { startMs: 5, endMs: 9, category: 'down', reason: 'jam', orderRef: 'MO/2', workOrderId: 12 },
      { startMs: 9, endMs: 10, category: 'running', reason: null },
      { startMs: 10, endMs: 12, category: 'down', reason: 'jam' },
    ] as StateInterval[];
    expect(stopsOf(intervals, 'jam')).toEqual([
      { startMs: 0, endMs: 9, orders: ['MO/1', 'MO/2'], workOrderIds: [11, 12] },
      { startMs: 10, endMs: 12, orders: [], workOrderIds: [] },
    ]);
  });

  it('longerThan fires on one stop strictly longer, at start + threshold', () => {
    const [over] = evaluateMaintenanceRules(plan(rule({ threshold: { kind: 'longerThan', ms: 9 * MIN } })), shift);
    expect(over).toMatchObject({ fired: true, trigger: { triggerMs: T0 + 39 * MIN, totalDownMs: 21 * MIN } });
    const [exact] = evaluateMaintenanceRules(plan(rule({ threshold: { kind: 'longerThan', ms: 10 * MIN } })), shift);
    expect(exact).toMatchObject({ fired: false, totalDownMs: 21 * MIN, stops: 3 });
  });

  it('totalOver fires when the running total passes the threshold, at that instant', () => {
    const [o] = evaluateMaintenanceRules(plan(rule({ threshold: { kind: 'totalOver', ms: 12 * MIN } })), shift);
    // 10 min in the first stop, 2 more in the second (which starts at 60 min).
    expect(o).toMatchObject({ fired: true, trigger: { triggerMs: T0 + 62 * MIN, longestMs: 10 * MIN } });
    const [no] = evaluateMaintenanceRules(plan(rule({ threshold: { kind: 'totalOver', ms: 21 * MIN } })), shift);
    expect(no?.fired).toBe(false);
  });

  it('count fires at the start of the n-th stop', () => {
    const [o] = evaluateMaintenanceRules(plan(rule({ threshold: { kind: 'count', count: 3 } })), shift);
    expect(o).toMatchObject({ fired: true, trigger: { triggerMs: T0 + 70 * MIN } });
    expect(evaluateMaintenanceRules(plan(rule({ threshold: { kind: 'count', count: 4 } })), shift)[0]?.fired).toBe(
      false,
    );
    const hyd = evaluateMaintenanceRules(
      plan(rule({ reason: 'hydraulic', threshold: { kind: 'count', count: 1 } })),
      shift,
    );
    expect(hyd[0]).toMatchObject({ fired: true, trigger: { triggerMs: T0 + 64 * MIN, totalDownMs: 6 * MIN } });
  });

  it('reads only final shift summaries of its own work center', () => {
    const p = plan(rule({ threshold: { kind: 'count', count: 1 } }));
    expect(evaluateMaintenanceRules(p, { ...shift, workCenterId: 'wc-2' })).toEqual([]);
    expect(evaluateMaintenanceRules(p, { ...shift, final: false })).toEqual([]);
    expect(evaluateMaintenanceRules(p, { ...shift, windowKind: 'tumbling' })).toEqual([]);
    expect(evaluateMaintenanceRules(p, shift)).toHaveLength(1);
  });
});
