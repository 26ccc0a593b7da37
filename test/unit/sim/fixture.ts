// A small PlantPlan builder for simulator tests (independent of the topology loader).
import type { MachinePlan, PlantPlan, TagPlan, WorkCenterPlan } from '../../../src/core/plan.js';
import type { StateMapping } from '../../../src/core/types.js';
import { MILESTONE_KINDS } from '../../../src/core/types.js';

export interface FixtureOptions {
  /** Number of work centers, each with `machinesPerWorkCenter` machines (default 3 x 1). */
  readonly workCenters?: number;
  readonly machinesPerWorkCenter?: number;
  readonly rolloverAt?: number;
  readonly silenceTimeoutMs?: number;
  readonly idealCycleTimeMs?: number;
  readonly outOfOrdernessMs?: number;
}

/** Numeric PLC codes (even work centers) or strings (odd ones), so both value types are exercised. */
const NUMERIC_STATES: [number, StateMapping][] = [
  [1, { category: 'running' }],
  [2, { category: 'idle' }],
  [3, { category: 'idle' }],
  [4, { category: 'setup' }],
  [5, { category: 'planned_stop' }],
  [6, { category: 'down', reason: 'jam' }],
  [7, { category: 'down', reason: 'tool_break' }],
  [8, { category: 'down', reason: 'unspecified' }],
  [0, { category: 'unknown' }],
];
const STRING_STATES: [string, StateMapping][] = [
  ['RUN', { category: 'running' }],
  ['STARVED', { category: 'idle' }],
  ['CHANGEOVER', { category: 'setup' }],
  ['BREAK', { category: 'planned_stop' }],
  ['FAULT', { category: 'down', reason: 'unspecified' }],
];
const REASONS: [string, string | null][] = [
  ['0', null],
  ['11', 'jam'],
  ['12', 'tool_break'],
  ['13', 'material_shortage'],
];

export function buildPlan(o: FixtureOptions = {}): PlantPlan {
  const plantId = 'PLANT_T';
  const tags = new Map<string, TagPlan>();
  const machines = new Map<string, MachinePlan>();
  const workCenters = new Map<string, WorkCenterPlan>();
  const add = (t: TagPlan): void => {
    tags.set(t.tag, t);
  };
  const nWc = o.workCenters ?? 3;
  const perWc = o.machinesPerWorkCenter ?? 1;
  for (let w = 0; w < nWc; w++) {
    const workCenterId = `WC${w + 1}`;
    const machineIds: string[] = [];
    for (let k = 0; k < perWc; k++) {
      const machineId = `${workCenterId}_M${k + 1}`;
      machineIds.push(machineId);
      machines.set(machineId, { machineId, workCenterId, silenceTimeoutMs: o.silenceTimeoutMs ?? 120_000 });
      const p = `${plantId}.${machineId}`;
      const values = new Map<string, StateMapping>(
        w % 2 === 0 ? NUMERIC_STATES.map(([k2, v]) => [String(k2), v]) : STRING_STATES,
      );
      add({ tag: `${p}.STATE`, machineId, kind: 'state', values });
      if (w % 2 === 0) add({ tag: `${p}.REASON`, machineId, kind: 'reason', values: new Map(REASONS), strict: true });
      add({
        tag: `${p}.GOOD`,
        machineId,
        kind: 'counter',
        counter: 'good',
        mode: 'total',
        ...(o.rolloverAt === undefined ? {} : { rolloverAt: o.rolloverAt }),
      });
      add({ tag: `${p}.SCRAP`, machineId, kind: 'counter', counter: 'scrap', mode: 'delta' });
      add({ tag: `${p}.HB`, machineId, kind: 'heartbeat' });
      for (const milestone of MILESTONE_KINDS) {
        add({ tag: `${p}.MS.${milestone.toUpperCase()}`, machineId, kind: 'milestone', milestone });
      }
    }
    workCenters.set(workCenterId, {
      workCenterId,
      odooCode: `WC-${w + 1}`,
      stateMachineId: machineIds[0]!,
      machineIds,
      ...(o.idealCycleTimeMs === undefined ? {} : { idealCycleTimeMs: o.idealCycleTimeMs }),
    });
  }
  return {
    plantId,
    timeZone: 'Europe/Berlin',
    tags,
    machines,
    workCenters,
    windows: [
      { kind: 'tumbling', name: '1m', sizeMs: 60_000 },
      { kind: 'shift', name: 'shift' },
    ],
    calendar: {
      timeZone: 'Europe/Berlin',
      shifts: [{ name: 'day', start: '06:00', end: '14:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }],
      holidays: [],
      overrides: [],
    },
    eventTime: {
      outOfOrdernessMs: o.outOfOrdernessMs ?? 5_000,
      graceMs: 30_000,
      idleTimeoutMs: 60_000,
      amendmentHorizonMs: 48 * 3_600_000,
    },
    validation: { maxFutureMs: 60_000, maxPastMs: 7 * 24 * 3_600_000 },
  };
}
