// The typed plan of one plant: what `src/topology` produces from `topologies/<plant>.yaml`
// and what the core consumes. Compiled once at start; the hot path only does Map lookups.
import type { CounterMode, MilestoneKind, StateMapping } from './types.js';

export type TagPlan =
  StateTagPlan | ReasonTagPlan | CounterTagPlan | HeartbeatTagPlan | MilestoneTagPlan | OrderTagPlan;

interface TagPlanBase {
  readonly tag: string;
  readonly machineId: string;
}

export interface StateTagPlan extends TagPlanBase {
  readonly kind: 'state';
  /** Keyed by the canonical value key (see `valueKey`). */
  readonly values: ReadonlyMap<string, StateMapping>;
  /** Used for a value the table does not list; without it such a value is rejected. */
  readonly default?: StateMapping | undefined;
}

export interface ReasonTagPlan extends TagPlanBase {
  readonly kind: 'reason';
  /** Raw value key -> reason code. A value mapping to `null` clears the reason. */
  readonly values: ReadonlyMap<string, string | null>;
  /** When false (the default) an unlisted value is used as the reason code as it is. */
  readonly strict: boolean;
}

export interface CounterTagPlan extends TagPlanBase {
  readonly kind: 'counter';
  /** `good`, `scrap`, or any other named count. */
  readonly counter: string;
  readonly mode: CounterMode;
  /** The counter runs 0 .. rolloverAt-1 (total counters only). */
  readonly rolloverAt?: number | undefined;
}

export interface HeartbeatTagPlan extends TagPlanBase {
  readonly kind: 'heartbeat';
}

export interface MilestoneTagPlan extends TagPlanBase {
  readonly kind: 'milestone';
  readonly milestone: MilestoneKind;
  /**
   * Inspection tags (docs/semantics.md section 9): the test, unit and limits of the tag's
   * inspection. With `measured`, the numeric value is the measure and the limits decide
   * inspection_passed / inspection_failed; otherwise the tag's own kind stands.
   */
  readonly inspection?: InspectionRulePlan | undefined;
}

export interface InspectionRulePlan {
  /** `milestone: inspection` in the topology: the value is the measure. */
  readonly measured: boolean;
  readonly test: string | null;
  readonly unit: string | null;
  readonly limitLow: number | null;
  readonly limitHigh: number | null;
  /** Scrap quantity a failed inspection asks for (Community Odoo: a draft stock.scrap), null for none. */
  readonly scrapOnFail: number | null;
}

/**
 * The work center's running order as the plant sees it (docs/semantics.md section 11): the value
 * is the order's reference; "" means no order.
 */
export interface OrderTagPlan extends TagPlanBase {
  readonly kind: 'order';
}

export interface MachinePlan {
  readonly machineId: string;
  readonly workCenterId: string;
  readonly silenceTimeoutMs: number;
}

export interface WorkCenterPlan {
  readonly workCenterId: string;
  /** The Odoo `mrp.workcenter` code. */
  readonly odooCode: string;
  /** The machine whose states are the work center's states. */
  readonly stateMachineId: string;
  readonly machineIds: readonly string[];
  /** Ideal time per unit; enables performance and OEE. */
  readonly idealCycleTimeMs?: number | undefined;
}

export type WindowSpec =
  | { readonly kind: 'tumbling'; readonly name: string; readonly sizeMs: number }
  | { readonly kind: 'hopping'; readonly name: string; readonly sizeMs: number; readonly advanceMs: number }
  | { readonly kind: 'shift'; readonly name: string };

/** Local times are `HH:MM` (or `HH:MM:SS`); `24:00` means the end of the day. */
export interface ShiftDef {
  readonly name: string;
  readonly start: string;
  readonly end: string;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ShiftPattern extends ShiftDef {
  /** Weekdays (of the local date the shift starts on) the shift runs. */
  readonly days: readonly Weekday[];
}

export interface ShiftCalendarSpec {
  readonly timeZone: string;
  readonly shifts: readonly ShiftPattern[];
  /** Local dates `YYYY-MM-DD` on which no shift starts. */
  readonly holidays: readonly { readonly date: string; readonly name?: string }[];
  /** Local dates whose shifts are replaced by the listed ones (an empty list: no shifts). */
  readonly overrides: readonly { readonly date: string; readonly shifts: readonly ShiftDef[] }[];
}

export interface EventTimePlan {
  /** Allowed out-of-orderness: watermark = highest ts seen - this bound. */
  readonly outOfOrdernessMs: number;
  /** A window closes when the watermark passes its end plus this grace. */
  readonly graceMs: number;
  /** A partition without data for this long advances its watermark with the wall clock. */
  readonly idleTimeoutMs: number;
  /** Late samples within this distance behind the watermark produce corrected revisions. */
  readonly amendmentHorizonMs: number;
}

export interface ValidationPlan {
  /** Live runs: a sample more than this ahead of the wall clock is rejected. */
  readonly maxFutureMs: number;
  /** Live runs: a sample more than this behind the wall clock is rejected. */
  readonly maxPastMs: number;
}

export interface PlantPlan {
  readonly plantId: string;
  readonly timeZone: string;
  readonly tags: ReadonlyMap<string, TagPlan>;
  readonly machines: ReadonlyMap<string, MachinePlan>;
  readonly workCenters: ReadonlyMap<string, WorkCenterPlan>;
  readonly windows: readonly WindowSpec[];
  readonly calendar: ShiftCalendarSpec;
  readonly eventTime: EventTimePlan;
  readonly validation: ValidationPlan;
}

/** The canonical key of a raw value in a value table: `String(value)` for numbers and booleans. */
export function valueKey(value: number | string | boolean): string {
  return typeof value === 'string' ? value : String(value);
}
