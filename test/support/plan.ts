// A small hand-built PlantPlan for core tests (the topology loader has its own tests).
import type { PlantPlan, TagPlan, WindowSpec, ShiftCalendarSpec, EventTimePlan } from '../../src/core/plan.js';
import type { StateMapping } from '../../src/core/types.js';

export const MIN = 60_000;
export const HOUR = 3_600_000;

export interface TestPlanOptions {
  readonly timeZone?: string;
  readonly windows?: readonly WindowSpec[];
  readonly calendar?: Partial<ShiftCalendarSpec>;
  readonly eventTime?: Partial<EventTimePlan>;
  readonly silenceTimeoutMs?: number;
  readonly idealCycleTimeMs?: number;
  /** Number of work centers WC1..WCn, each with machines M<n>a (state, counters) and M<n>b (counters). */
  readonly workCenters?: number;
  /** Give machine M<n>a an order tag M<n>a.ORDER (docs/semantics.md section 11; attribution on). */
  readonly orderTags?: boolean;
}

const STATES: ReadonlyMap<string, StateMapping> = new Map<string, StateMapping>([
  ['1', { category: 'running' }],
  ['2', { category: 'idle' }],
  ['3', { category: 'setup' }],
  ['4', { category: 'planned_stop' }],
  ['5', { category: 'down' }],
  ['6', { category: 'down', reason: 'jam' }],
  ['7', { category: 'unknown' }],
]);

export function testPlan(options: TestPlanOptions = {}): PlantPlan {
  const n = options.workCenters ?? 1;
  const tags = new Map<string, TagPlan>();
  const machines = new Map<string, { machineId: string; workCenterId: string; silenceTimeoutMs: number }>();
  const workCenters = new Map<
    string,
    { workCenterId: string; odooCode: string; stateMachineId: string; machineIds: string[]; idealCycleTimeMs?: number }
  >();
  for (let i = 1; i <= n; i++) {
    const wc = `WC${i}`;
    const a = `M${i}a`;
    const b = `M${i}b`;
    const silence = options.silenceTimeoutMs ?? 5 * MIN;
    machines.set(a, { machineId: a, workCenterId: wc, silenceTimeoutMs: silence });
    machines.set(b, { machineId: b, workCenterId: wc, silenceTimeoutMs: silence });
    workCenters.set(wc, {
      workCenterId: wc,
      odooCode: `ODOO-${wc}`,
      stateMachineId: a,
      machineIds: [a, b],
      ...(options.idealCycleTimeMs === undefined ? {} : { idealCycleTimeMs: options.idealCycleTimeMs }),
    });
    tags.set(`${a}.STATE`, { kind: 'state', tag: `${a}.STATE`, machineId: a, values: STATES });
    tags.set(`${a}.REASON`, {
      kind: 'reason',
      tag: `${a}.REASON`,
      machineId: a,
      values: new Map([['0', null]]),
      strict: false,
    });
    tags.set(`${a}.GOOD`, {
      kind: 'counter',
      tag: `${a}.GOOD`,
      machineId: a,
      counter: 'good',
      mode: 'total',
      rolloverAt: 65536,
    });
    tags.set(`${a}.SCRAP`, { kind: 'counter', tag: `${a}.SCRAP`, machineId: a, counter: 'scrap', mode: 'delta' });
    tags.set(`${a}.HB`, { kind: 'heartbeat', tag: `${a}.HB`, machineId: a });
    tags.set(`${a}.DOWN`, { kind: 'milestone', tag: `${a}.DOWN`, machineId: a, milestone: 'machine_down' });
    // Inspections count in the figures (section 9.3): a measuring tag on the state machine (it must
    // not refresh its silence) and a tag on which the PLC decides.
    tags.set(`${a}.BORE`, {
      kind: 'milestone',
      tag: `${a}.BORE`,
      machineId: a,
      milestone: 'inspection_failed',
      inspection: { measured: true, test: 'bore', unit: 'mm', limitLow: 11.95, limitHigh: 12.05, scrapOnFail: null },
    });
    tags.set(`${b}.QC_FAIL`, { kind: 'milestone', tag: `${b}.QC_FAIL`, machineId: b, milestone: 'inspection_failed' });
    if (options.orderTags === true) tags.set(`${a}.ORDER`, { kind: 'order', tag: `${a}.ORDER`, machineId: a });
    tags.set(`${b}.GOOD`, { kind: 'counter', tag: `${b}.GOOD`, machineId: b, counter: 'good', mode: 'total' });
    tags.set(`${b}.STROKES`, { kind: 'counter', tag: `${b}.STROKES`, machineId: b, counter: 'strokes', mode: 'delta' });
  }
  return {
    plantId: 'test-plant',
    timeZone: options.timeZone ?? 'Europe/Berlin',
    tags,
    machines,
    workCenters,
    windows: options.windows ?? [
      { kind: 'tumbling', name: '1m', sizeMs: MIN },
      { kind: 'tumbling', name: '15m', sizeMs: 15 * MIN },
      { kind: 'shift', name: 'shift' },
    ],
    calendar: {
      timeZone: options.timeZone ?? 'Europe/Berlin',
      shifts: [
        { name: 'early', start: '06:00', end: '14:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
        { name: 'late', start: '14:00', end: '22:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
        { name: 'night', start: '22:00', end: '06:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
      ],
      holidays: [],
      overrides: [],
      ...options.calendar,
    },
    eventTime: {
      outOfOrdernessMs: 30_000,
      graceMs: 10_000,
      idleTimeoutMs: 60_000,
      amendmentHorizonMs: 48 * HOUR,
      ...options.eventTime,
    },
    validation: { maxFutureMs: HOUR, maxPastMs: 30 * 24 * HOUR },
  };
}
