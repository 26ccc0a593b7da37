// A synthetic plant of any size, for benchmarks and load tests (the shipped topologies are small).
import type { PlantPlan, TagPlan, WindowSpec } from '../core/plan.js';
import type { StateMapping } from '../core/types.js';

export interface SyntheticPlanOptions {
  readonly machines: number;
  readonly machinesPerWorkCenter?: number;
  readonly plantId?: string;
  readonly timeZone?: string;
  readonly windows?: readonly WindowSpec[];
  readonly amendmentHorizonMs?: number;
  readonly silenceTimeoutMs?: number;
  readonly idealCycleTimeMs?: number;
}

const STATES = new Map<string, StateMapping>([
  ['1', { category: 'running' }],
  ['2', { category: 'idle' }],
  ['3', { category: 'setup' }],
  ['4', { category: 'planned_stop' }],
  ['5', { category: 'down' }],
  ['6', { category: 'down', reason: 'jam' }],
  ['7', { category: 'down', reason: 'tool_change' }],
]);
const REASONS = new Map<string, string | null>([
  ['0', null],
  ['10', 'no_material'],
  ['11', 'breakdown'],
  ['12', 'quality_issue'],
]);

/** Machines M00000..; work centers WC0000.. of `machinesPerWorkCenter` machines, the first one the state machine. */
export function syntheticPlan(o: SyntheticPlanOptions): PlantPlan {
  const per = o.machinesPerWorkCenter ?? 1;
  const tags = new Map<string, TagPlan>();
  const machines = new Map<string, { machineId: string; workCenterId: string; silenceTimeoutMs: number }>();
  const workCenters = new Map<
    string,
    { workCenterId: string; odooCode: string; stateMachineId: string; machineIds: string[]; idealCycleTimeMs?: number }
  >();
  for (let i = 0; i < o.machines; i++) {
    const m = `M${String(i).padStart(5, '0')}`;
    const wcId = `WC${String(Math.floor(i / per)).padStart(4, '0')}`;
    machines.set(m, { machineId: m, workCenterId: wcId, silenceTimeoutMs: o.silenceTimeoutMs ?? 120_000 });
    let wc = workCenters.get(wcId);
    if (wc === undefined) {
      wc = {
        workCenterId: wcId,
        odooCode: wcId,
        stateMachineId: m,
        machineIds: [],
        ...(o.idealCycleTimeMs === undefined ? {} : { idealCycleTimeMs: o.idealCycleTimeMs }),
      };
      workCenters.set(wcId, wc);
    }
    wc.machineIds.push(m);
    tags.set(`${m}.STATE`, { kind: 'state', tag: `${m}.STATE`, machineId: m, values: STATES });
    tags.set(`${m}.REASON`, { kind: 'reason', tag: `${m}.REASON`, machineId: m, values: REASONS, strict: true });
    tags.set(`${m}.GOOD`, {
      kind: 'counter',
      tag: `${m}.GOOD`,
      machineId: m,
      counter: 'good',
      mode: 'total',
      rolloverAt: 65536,
    });
    tags.set(`${m}.SCRAP`, { kind: 'counter', tag: `${m}.SCRAP`, machineId: m, counter: 'scrap', mode: 'delta' });
    tags.set(`${m}.HB`, { kind: 'heartbeat', tag: `${m}.HB`, machineId: m });
    tags.set(`${m}.ORDER`, { kind: 'milestone', tag: `${m}.ORDER`, machineId: m, milestone: 'operation_started' });
  }
  const tz = o.timeZone ?? 'Europe/Berlin';
  const all = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
  return {
    plantId: o.plantId ?? 'synthetic',
    timeZone: tz,
    tags,
    machines,
    workCenters,
    windows: o.windows ?? [
      { kind: 'tumbling', name: '1m', sizeMs: 60_000 },
      { kind: 'tumbling', name: '15m', sizeMs: 900_000 },
      { kind: 'shift', name: 'shift' },
    ],
    calendar: {
      timeZone: tz,
      shifts: [
        { name: 'early', start: '06:00', end: '14:00', days: all },
        { name: 'late', start: '14:00', end: '22:00', days: all },
        { name: 'night', start: '22:00', end: '06:00', days: all },
      ],
      holidays: [],
      overrides: [],
    },
    eventTime: {
      outOfOrdernessMs: 5_000,
      graceMs: 5_000,
      idleTimeoutMs: 60_000,
      amendmentHorizonMs: o.amendmentHorizonMs ?? 48 * 3_600_000,
    },
    validation: { maxFutureMs: 3_600_000, maxPastMs: 30 * 86_400_000 },
  };
}
