// Simulator options: what callers may set, the defaults, and one validation pass that lists
// every problem at once (UsageError: the options come from CLI flags or test code).
import type { PlantPlan } from '../core/plan.js';
import { UsageError } from '../errors.js';

/** Mean dwell times (ms) of the state model; every draw is exponential around its mean. */
export interface DwellMeans {
  readonly runningMs: number;
  readonly idleMs: number;
  readonly downMs: number;
  readonly setupMs: number;
  readonly plannedStopMs: number;
}

/** Relative weights of what follows a running period (categories absent from a state table are skipped). */
export interface StopWeights {
  readonly idle: number;
  readonly down: number;
  readonly setup: number;
  readonly plannedStop: number;
}

/** Plant-wide breaks: every machine goes to `planned_stop` during `[k*everyMs + offsetMs, +durationMs)` (UTC). */
export interface BreakSchedule {
  readonly everyMs: number;
  readonly durationMs: number;
  readonly offsetMs: number;
}

export interface SimulatorOptions {
  /** Same seed, same plan, same options: the same stream, sample for sample. */
  readonly seed: number | string;
  /** Simulated time starts here (epoch ms, integer). */
  readonly startMs: number;
  /** Period of the state and total-counter re-reports, and of delta-counter flushes (default 60 s). */
  readonly sampleIntervalMs?: number;
  /** Period of heartbeat samples (default 10 s). */
  readonly heartbeatMs?: number;
  /** Share of samples delayed by 1 .. outOfOrderBoundMs-1 ms (default 0.01). */
  readonly outOfOrderShare?: number;
  /** Default: the plan's `eventTime.outOfOrdernessMs` (at least 2). */
  readonly outOfOrderBoundMs?: number;
  /** Share of samples delayed beyond the bound, within `lateDelayMs` (default 0.001). */
  readonly lateShare?: number;
  /** Default: bound+1 .. bound + graceMs + 1 h. */
  readonly lateDelayMs?: { readonly minMs: number; readonly maxMs: number };
  /** Share of extra exact duplicates, emitted right after their original (default 0). */
  readonly duplicateShare?: number;
  /** Share of extra bad samples (quality bad, unknown tag, non-numeric counter, ts decades off; default 0.001). */
  readonly badShare?: number;
  /** Simulate only these machines (default: all). */
  readonly machineIds?: readonly string[];
  /** Mean time between silences per machine; 0 disables (default 8 h). */
  readonly silenceEveryMs?: number;
  /** A silence lasts silenceTimeoutMs times a factor drawn in [min, max] (default 1.5 .. 3). */
  readonly silenceFactor?: { readonly min: number; readonly max: number };
  /** Cycle time when the work center has no `idealCycleTimeMs` (default 10 s). */
  readonly defaultCycleTimeMs?: number;
  /** Share of cycles that produce scrap (default 0.02). */
  readonly scrapShare?: number;
  readonly dwell?: Partial<DwellMeans>;
  readonly stopWeights?: Partial<StopWeights>;
  /** `false` disables breaks (default: 30 min every 4 h, offset 2 h). */
  readonly breaks?: BreakSchedule | false;
  /** Units per order, drawn uniformly (default: what the machine makes in `orderDurationMs`). */
  readonly orderQuantity?: { readonly min: number; readonly max: number };
  /** Without `orderQuantity`: an order lasts about this long at the mean cycle time (default 2 h .. 8 h). */
  readonly orderDurationMs?: { readonly min: number; readonly max: number };
  /** A `quantity_completed` milestone every this many good units (default 50). */
  readonly quantityStep?: number;
  /** A `lot_consumed` milestone every this many units (default 250). */
  readonly lotSize?: number;
  /** Chance per cycle of an `inspection_failed` milestone (default 0.002). */
  readonly inspectionFailShare?: number;
  /**
   * `order-ref` (default): the bare order ref `WO/2026/00042`, which the core's tag mapping takes
   * as the milestone's orderRef. `json`: `{"orderRef":"WO/2026/00042","quantity":50,...}`.
   */
  readonly milestoneFormat?: 'json' | 'order-ref';
}

export interface ResolvedSimulatorOptions {
  readonly seed: number | string;
  readonly startMs: number;
  readonly sampleIntervalMs: number;
  readonly heartbeatMs: number;
  readonly outOfOrderShare: number;
  readonly outOfOrderBoundMs: number;
  readonly lateShare: number;
  readonly lateMinMs: number;
  readonly lateMaxMs: number;
  readonly duplicateShare: number;
  readonly badShare: number;
  readonly machineIds: readonly string[];
  readonly silenceEveryMs: number;
  readonly silenceFactorMin: number;
  readonly silenceFactorMax: number;
  readonly defaultCycleTimeMs: number;
  readonly scrapShare: number;
  readonly dwell: DwellMeans;
  readonly stopWeights: StopWeights;
  readonly breaks: BreakSchedule | null;
  /** Null: derived per machine from orderDuration and its cycle time. */
  readonly orderQuantityMin: number | null;
  readonly orderQuantityMax: number | null;
  readonly orderDurationMinMs: number;
  readonly orderDurationMaxMs: number;
  readonly quantityStep: number;
  readonly lotSize: number;
  readonly inspectionFailShare: number;
  readonly milestoneFormat: 'json' | 'order-ref';
}

export const DEFAULT_DWELL: DwellMeans = {
  runningMs: 25 * 60_000,
  idleMs: 3 * 60_000,
  downMs: 9 * 60_000,
  setupMs: 15 * 60_000,
  plannedStopMs: 20 * 60_000,
};

export const DEFAULT_STOP_WEIGHTS: StopWeights = { idle: 0.5, down: 0.35, setup: 0.1, plannedStop: 0.05 };

const HOUR = 3_600_000;

export function resolveSimulatorOptions(plan: PlantPlan, o: SimulatorOptions): ResolvedSimulatorOptions {
  const problems: string[] = [];
  const where = (field: string): string => `simulator options ${field}`;
  const int = (field: string, v: number, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min)
      problems.push(`${where(field)}: expected an integer >= ${min}, found ${v}`);
  };
  const share = (field: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0 && v < 1))
      problems.push(`${where(field)}: expected a share in [0, 1), found ${v}`);
  };

  if (typeof o.seed === 'number' && !Number.isSafeInteger(o.seed)) {
    problems.push(`${where('seed')}: expected an integer or a string, found ${o.seed}`);
  }
  int('startMs', o.startMs, -8.64e15);

  const bound = o.outOfOrderBoundMs ?? Math.max(2, plan.eventTime.outOfOrdernessMs);
  const lateMinMs = o.lateDelayMs?.minMs ?? bound + 1;
  const lateMaxMs = o.lateDelayMs?.maxMs ?? bound + plan.eventTime.graceMs + HOUR;
  const r: ResolvedSimulatorOptions = {
    seed: o.seed,
    startMs: o.startMs,
    sampleIntervalMs: o.sampleIntervalMs ?? 60_000,
    heartbeatMs: o.heartbeatMs ?? 10_000,
    outOfOrderShare: o.outOfOrderShare ?? 0.01,
    outOfOrderBoundMs: bound,
    lateShare: o.lateShare ?? 0.001,
    lateMinMs,
    lateMaxMs,
    duplicateShare: o.duplicateShare ?? 0,
    badShare: o.badShare ?? 0.001,
    machineIds: o.machineIds ?? [...plan.machines.keys()],
    silenceEveryMs: o.silenceEveryMs ?? 8 * HOUR,
    silenceFactorMin: o.silenceFactor?.min ?? 1.5,
    silenceFactorMax: o.silenceFactor?.max ?? 3,
    defaultCycleTimeMs: o.defaultCycleTimeMs ?? 10_000,
    scrapShare: o.scrapShare ?? 0.02,
    dwell: { ...DEFAULT_DWELL, ...o.dwell },
    stopWeights: { ...DEFAULT_STOP_WEIGHTS, ...o.stopWeights },
    breaks:
      o.breaks === false ? null : (o.breaks ?? { everyMs: 4 * HOUR, durationMs: 30 * 60_000, offsetMs: 2 * HOUR }),
    orderQuantityMin: o.orderQuantity?.min ?? null,
    orderQuantityMax: o.orderQuantity?.max ?? null,
    orderDurationMinMs: o.orderDurationMs?.min ?? 2 * HOUR,
    orderDurationMaxMs: o.orderDurationMs?.max ?? 8 * HOUR,
    quantityStep: o.quantityStep ?? 50,
    lotSize: o.lotSize ?? 250,
    inspectionFailShare: o.inspectionFailShare ?? 0.002,
    milestoneFormat: o.milestoneFormat ?? 'order-ref',
  };

  int('sampleIntervalMs', r.sampleIntervalMs, 1);
  int('heartbeatMs', r.heartbeatMs, 1);
  int('outOfOrderBoundMs', r.outOfOrderBoundMs, 2);
  int('lateDelayMs.minMs', r.lateMinMs, r.outOfOrderBoundMs + 1);
  int('lateDelayMs.maxMs', r.lateMaxMs, r.lateMinMs);
  share('outOfOrderShare', r.outOfOrderShare);
  share('lateShare', r.lateShare);
  share('duplicateShare', r.duplicateShare);
  share('badShare', r.badShare);
  share('scrapShare', r.scrapShare);
  share('inspectionFailShare', r.inspectionFailShare);
  const perturbed = r.outOfOrderShare + r.lateShare + r.duplicateShare + r.badShare;
  if (!(perturbed < 0.5)) {
    problems.push(
      `${where('outOfOrderShare + lateShare + duplicateShare + badShare')}: expected less than 0.5, found ${perturbed}`,
    );
  }
  int('silenceEveryMs', r.silenceEveryMs, 0);
  if (!(r.silenceFactorMin > 1 && r.silenceFactorMax >= r.silenceFactorMin && Number.isFinite(r.silenceFactorMax))) {
    problems.push(
      `${where('silenceFactor')}: expected 1 < min <= max (a silence must ` +
        `outlast the timeout), found ${r.silenceFactorMin} .. ${r.silenceFactorMax}`,
    );
  }
  int('defaultCycleTimeMs', r.defaultCycleTimeMs, 1);
  for (const [k, v] of Object.entries(r.dwell) as [string, number][]) int(`dwell.${k}`, v, 1);
  for (const [k, v] of Object.entries(r.stopWeights)) {
    if (!(Number.isFinite(v) && v >= 0))
      problems.push(`${where(`stopWeights.${k}`)}: expected a weight >= 0, found ${v}`);
  }
  if (r.breaks !== null) {
    int('breaks.everyMs', r.breaks.everyMs, 2);
    int('breaks.durationMs', r.breaks.durationMs, 1);
    int('breaks.offsetMs', r.breaks.offsetMs, 0);
    if (r.breaks.durationMs >= r.breaks.everyMs) {
      problems.push(
        `${where('breaks.durationMs')}: expected less than everyMs (${r.breaks.everyMs}), found ${r.breaks.durationMs}`,
      );
    }
  }
  if (r.orderQuantityMin !== null && r.orderQuantityMax !== null) {
    int('orderQuantity.min', r.orderQuantityMin, 1);
    int('orderQuantity.max', r.orderQuantityMax, r.orderQuantityMin);
  }
  int('orderDurationMs.min', r.orderDurationMinMs, 1);
  int('orderDurationMs.max', r.orderDurationMaxMs, r.orderDurationMinMs);
  int('quantityStep', r.quantityStep, 1);
  int('lotSize', r.lotSize, 1);
  for (const id of r.machineIds) {
    if (!plan.machines.has(id)) {
      problems.push(
        `${where('machineIds')}: expected a machine of plant ${plan.plantId} ` +
          `(${[...plan.machines.keys()].join(', ')}), found ${id}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UsageError('SHIFTSTREAM_USAGE', `invalid simulator options:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return r;
}
