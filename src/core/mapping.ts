// Tag mapping: a raw sample becomes a canonical machine event, or a reject verdict with a reason.
// Pure: the wall clock (live runs only) is passed in.
import { valueKey, type MilestoneTagPlan, type PlantPlan, type TagPlan } from './plan.js';
import {
  inspectionVerdict,
  type CounterMode,
  type Inspection,
  type MachineEvent,
  type MilestoneKind,
  type EventKind,
  type StateCategory,
  type RawSample,
  type SampleValue,
  type StateMapping,
} from './types.js';

export const REJECT_REASONS = [
  'bad-quality',
  'unknown-tag',
  'ts-out-of-range',
  'unmapped-state-value',
  'unmapped-reason-value',
  'non-numeric-counter',
  'negative-counter',
  'counter-out-of-range',
  'non-numeric-measure',
  'invalid-event',
  'malformed-avro',
  'unknown-schema-id',
  'malformed-record',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type MapVerdict =
  | { readonly ok: true; readonly event: MachineEvent }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

/** Absolute sanity bounds, applied in every mode (replays included): 2000-01-01 .. 2100-01-01 UTC. */
export const MIN_TS_MS = 946_684_800_000;
export const MAX_TS_MS = 4_102_444_800_000;

export interface MapContext {
  /** Wall clock of a live run. Absent in replays/backfills, which use event time only. */
  readonly nowMs?: number;
}

function reject(reason: RejectReason, detail: string): MapVerdict {
  return { ok: false, reason, detail };
}

export function checkTimestamp(plan: PlantPlan, tsMs: number, ctx: MapContext): string | undefined {
  if (!Number.isSafeInteger(tsMs)) return `ts: expected integer epoch milliseconds, found ${String(tsMs)}`;
  if (tsMs < MIN_TS_MS || tsMs >= MAX_TS_MS) {
    return `ts: expected an instant between 2000-01-01 and 2100-01-01, found ${isoOrRaw(tsMs)}`;
  }
  if (ctx.nowMs !== undefined) {
    const { maxFutureMs, maxPastMs } = plan.validation;
    if (tsMs > ctx.nowMs + maxFutureMs) {
      return (
        `ts: expected at most ${maxFutureMs} ms ahead of the wall ` +
        `clock ${isoOrRaw(ctx.nowMs)}, found ${isoOrRaw(tsMs)}`
      );
    }
    if (tsMs < ctx.nowMs - maxPastMs) {
      return (
        `ts: expected at most ${maxPastMs} ms behind the wall ` +
        `clock ${isoOrRaw(ctx.nowMs)}, found ${isoOrRaw(tsMs)}`
      );
    }
  }
  return undefined;
}

function isoOrRaw(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

function numericValue(value: SampleValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Maps one raw sample through the plant's tag table. */
export function mapSample(plan: PlantPlan, sample: RawSample, ctx: MapContext = {}): MapVerdict {
  const tagPlan = plan.tags.get(sample.tag);
  if (tagPlan === undefined)
    return reject('unknown-tag', `tag: no topology of plant '${plan.plantId}' knows tag '${sample.tag}'`);
  if (sample.quality === 'bad')
    return reject('bad-quality', `quality: sample of tag '${sample.tag}' has quality 'bad'`);
  const tsProblem = checkTimestamp(plan, sample.tsMs, ctx);
  if (tsProblem !== undefined) return reject('ts-out-of-range', `tag '${sample.tag}' ${tsProblem}`);
  const machine = plan.machines.get(tagPlan.machineId);
  if (machine === undefined)
    return reject('unknown-tag', `tag '${sample.tag}': machine '${tagPlan.machineId}' is not in the plan`);
  return mapByRole(plan.plantId, machine.workCenterId, tagPlan, sample);
}

/** Positional builder: one allocation, one hidden class for every event (see machineEvent). */
function ev(
  plantId: string,
  workCenterId: string,
  tagPlan: TagPlan,
  sample: RawSample,
  kind: EventKind,
  category: StateCategory | undefined,
  reason: string | undefined,
  counter: string | undefined,
  mode: CounterMode | undefined,
  rolloverAt: number | undefined,
  amount: number | undefined,
  milestone: MilestoneKind | undefined,
  orderRef: string | undefined,
  quantity: number | undefined,
  inspection: Inspection | undefined = undefined,
): MapVerdict {
  const event: MachineEvent = {
    plantId,
    machineId: tagPlan.machineId,
    workCenterId,
    tag: sample.tag,
    tsMs: sample.tsMs,
    kind,
    value: sample.value,
    category,
    reason,
    counter,
    mode,
    rolloverAt,
    amount,
    milestone,
    orderRef,
    quantity,
    runningOrder: undefined,
    runningWorkOrderId: undefined,
    inspection,
  };
  return { ok: true, event };
}

/**
 * An inspection tag (docs/semantics.md section 9). `milestone: inspection`: the value is the measure
 * (a finite number, else rejected) and the limits decide passed/failed. inspection_passed/failed
 * tags keep their kind; a string value is the order, a number the measure.
 */
function mapInspection(
  plantId: string,
  workCenterId: string,
  tagPlan: MilestoneTagPlan,
  sample: RawSample,
): MapVerdict {
  const rule = tagPlan.inspection!;
  const u = undefined;
  let measure: number | null = null;
  let kind: MilestoneKind = tagPlan.milestone;
  if (rule.measured) {
    const m = numericValue(sample.value);
    if (m === undefined) {
      return reject(
        'non-numeric-measure',
        `value: inspection tag '${sample.tag}'${rule.test === null ? '' : ` (test '${rule.test}')`} ` +
          `expected a finite number (the measure), found ${JSON.stringify(sample.value)}`,
      );
    }
    measure = m;
    kind = inspectionVerdict(m, rule.limitLow, rule.limitHigh);
  } else if (typeof sample.value === 'number' && Number.isFinite(sample.value)) measure = sample.value;
  const orderRef = typeof sample.value === 'string' && sample.value !== '' ? sample.value : undefined;
  const inspection: Inspection = {
    test: rule.test,
    measure,
    unit: rule.unit,
    limitLow: rule.limitLow,
    limitHigh: rule.limitHigh,
    lot: null,
  };
  return ev(plantId, workCenterId, tagPlan, sample, 'milestone', u, u, u, u, u, u, kind, orderRef, u, inspection);
}

function mapByRole(plantId: string, workCenterId: string, tagPlan: TagPlan, sample: RawSample): MapVerdict {
  const u = undefined;
  switch (tagPlan.kind) {
    case 'state': {
      const mapping: StateMapping | undefined = tagPlan.values.get(valueKey(sample.value)) ?? tagPlan.default;
      if (mapping === undefined) {
        return reject(
          'unmapped-state-value',
          `value: state tag '${sample.tag}' expected one of ` +
            `[${[...tagPlan.values.keys()].join(', ')}], found ${JSON.stringify(sample.value)}`,
        );
      }
      return ev(plantId, workCenterId, tagPlan, sample, 'state', mapping.category, mapping.reason, u, u, u, u, u, u, u);
    }
    case 'reason': {
      const key = valueKey(sample.value);
      const listed = tagPlan.values.get(key);
      let reason: string | null;
      if (listed !== undefined || tagPlan.values.has(key)) reason = listed ?? null;
      else if (tagPlan.strict) {
        return reject(
          'unmapped-reason-value',
          `value: reason tag '${sample.tag}' expected one of ` +
            `[${[...tagPlan.values.keys()].join(', ')}], found ${JSON.stringify(sample.value)}`,
        );
      } else reason = key === '' ? null : key;
      return ev(plantId, workCenterId, tagPlan, sample, 'reason', u, reason ?? u, u, u, u, u, u, u, u);
    }
    case 'counter': {
      const amount = numericValue(sample.value);
      if (amount === undefined) {
        return reject(
          'non-numeric-counter',
          `value: counter tag '${sample.tag}' expected a finite number, found ${JSON.stringify(sample.value)}`,
        );
      }
      if (amount < 0)
        return reject('negative-counter', `value: counter tag '${sample.tag}' expected a number >= 0, found ${amount}`);
      if (tagPlan.rolloverAt !== undefined && amount >= tagPlan.rolloverAt) {
        return reject(
          'counter-out-of-range',
          `value: counter tag '${sample.tag}' runs 0..${tagPlan.rolloverAt - 1}, found ${amount}`,
        );
      }
      return ev(
        plantId,
        workCenterId,
        tagPlan,
        sample,
        'counter',
        u,
        u,
        tagPlan.counter,
        tagPlan.mode,
        tagPlan.rolloverAt,
        amount,
        u,
        u,
        u,
      );
    }
    case 'heartbeat':
      return ev(plantId, workCenterId, tagPlan, sample, 'heartbeat', u, u, u, u, u, u, u, u, u);
    case 'order': {
      // docs/semantics.md section 11: the value names the running order; "" is "no order".
      const ref = valueKey(sample.value);
      return ev(plantId, workCenterId, tagPlan, sample, 'order', u, u, u, u, u, u, u, ref === '' ? u : ref, u);
    }
    case 'milestone': {
      if (tagPlan.inspection !== undefined) return mapInspection(plantId, workCenterId, tagPlan, sample);
      const hold = tagPlan.milestone === 'quality_hold' || tagPlan.milestone === 'quality_release';
      // A hold's string value is its reason (the order comes from the work center's running order).
      const text = typeof sample.value === 'string' && sample.value !== '' ? sample.value : undefined;
      if (hold)
        return ev(plantId, workCenterId, tagPlan, sample, 'milestone', u, text, u, u, u, u, tagPlan.milestone, u, u);
      // A material milestone's string value is its lot (section 13): the order comes from attribution.
      const material =
        tagPlan.milestone === 'lot_consumed' ||
        tagPlan.milestone === 'lot_produced' ||
        tagPlan.milestone === 'inventory_move';
      const orderRef = typeof sample.value === 'string' && !material ? sample.value : undefined;
      const quantity = typeof sample.value === 'number' ? sample.value : undefined;
      return ev(
        plantId,
        workCenterId,
        tagPlan,
        sample,
        'milestone',
        u,
        u,
        u,
        u,
        u,
        u,
        tagPlan.milestone,
        orderRef,
        quantity,
      );
    }
  }
}

/** What is wrong with a canonical event's inspection (docs/semantics.md section 9), if anything. */
function inspectionProblem(event: MachineEvent): string | undefined {
  const i = event.inspection!;
  const kind = event.milestone;
  if (kind !== 'inspection_passed' && kind !== 'inspection_failed')
    return `inspection: expected it only on inspection_passed / inspection_failed, found it on ${String(kind)}`;
  for (const f of ['measure', 'limitLow', 'limitHigh'] as const) {
    const v = i[f];
    if (v !== null && !Number.isFinite(v)) return `inspection.${f}: expected a finite number or null, found ${v}`;
  }
  if (i.limitLow !== null && i.limitHigh !== null && i.limitLow > i.limitHigh)
    return `inspection: expected limitLow <= limitHigh, found ${i.limitLow} > ${i.limitHigh}`;
  if (i.measure !== null) {
    const verdict = inspectionVerdict(i.measure, i.limitLow, i.limitHigh);
    if (verdict !== kind)
      return (
        `inspection: measure ${i.measure} against limits [${i.limitLow ?? '-inf'}, ${i.limitHigh ?? '+inf'}] ` +
        `is ${verdict}, found kind ${kind}`
      );
  }
  return undefined;
}

/**
 * Validates a canonical event sent by a producer that already maps its tags. The event must name
 * a known machine of this plant with the right work center, and carry the fields of its kind.
 */
export function validateCanonicalEvent(plan: PlantPlan, event: MachineEvent, ctx: MapContext = {}): MapVerdict {
  const machine = plan.machines.get(event.machineId);
  if (machine === undefined)
    return reject('invalid-event', `machineId: plant '${plan.plantId}' has no machine '${event.machineId}'`);
  if (event.plantId !== plan.plantId)
    return reject('invalid-event', `plantId: expected '${plan.plantId}', found '${event.plantId}'`);
  if (event.workCenterId !== machine.workCenterId) {
    return reject(
      'invalid-event',
      `workCenterId: machine '${event.machineId}' belongs to '${machine.workCenterId}', found '${event.workCenterId}'`,
    );
  }
  const tsProblem = checkTimestamp(plan, event.tsMs, ctx);
  if (tsProblem !== undefined) return reject('ts-out-of-range', `machine '${event.machineId}' ${tsProblem}`);
  switch (event.kind) {
    case 'state':
      if (event.category === undefined)
        return reject('invalid-event', `category: a state event needs a category, found none`);
      return { ok: true, event };
    case 'counter':
      if (
        event.counter === undefined ||
        event.mode === undefined ||
        event.amount === undefined ||
        !Number.isFinite(event.amount)
      ) {
        return reject(
          'non-numeric-counter',
          `counter event of machine '${event.machineId}' needs counter, mode and a finite amount`,
        );
      }
      if (event.amount < 0) return reject('negative-counter', `amount: expected a number >= 0, found ${event.amount}`);
      if (event.counter.startsWith('#'))
        return reject(
          'invalid-event',
          `counter: names starting with '#' are reserved (inspections, section 9.4), found '${event.counter}'`,
        );
      return { ok: true, event };
    case 'milestone':
      if (event.milestone === undefined)
        return reject('invalid-event', `milestone: a milestone event needs its kind, found none`);
      if (event.inspection !== undefined) {
        const problem = inspectionProblem(event);
        if (problem !== undefined) return reject('invalid-event', `machine '${event.machineId}' ${problem}`);
      }
      return { ok: true, event };
    case 'watermark':
      return reject(
        'invalid-event',
        `kind: expected a machine event kind (state, reason, counter, heartbeat, milestone), found 'watermark'`,
      );
    default:
      return { ok: true, event };
  }
}
