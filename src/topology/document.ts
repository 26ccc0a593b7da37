// The shape of a topology file after the schema check (before defaults and compilation).
// Keep in step with schema.ts and docs/topology.md.
import type { CounterMode, MilestoneKind, StateCategory } from '../core/types.js';
import type { IngestDoc } from './ingest-section.js';
import type { MaterialDoc } from './material-section.js';
import type { LatePolicy, RejectPolicy, TopicsPlan } from './types.js';

/** `30s`, `5m`, `1h30m`, `1.5s` or integer milliseconds. */
export type DurationText = string | number;

/** `running`, `down`, `down/<reason>`, or the long form. */
export type StateMappingDoc = string | { readonly category: StateCategory; readonly reason?: string };

interface TagDocBase {
  readonly machine: string;
  readonly description?: string;
}

export interface StateTagDoc extends TagDocBase {
  readonly role: 'state';
  readonly values: Readonly<Record<string, StateMappingDoc>>;
  readonly default?: StateMappingDoc;
}

export interface ReasonTagDoc extends TagDocBase {
  readonly role: 'reason';
  readonly values?: Readonly<Record<string, string | null>>;
  readonly strict?: boolean;
}

export interface CounterTagDoc extends TagDocBase {
  readonly role: 'counter';
  readonly counter: string;
  readonly mode: CounterMode;
  readonly rolloverAt?: number;
}

export interface HeartbeatTagDoc extends TagDocBase {
  readonly role: 'heartbeat';
}

export interface MilestoneTagDoc extends TagDocBase {
  readonly role: 'milestone';
  /** `inspection`: the value is a measure, the limits decide inspection_passed / inspection_failed. */
  readonly milestone: MilestoneKind | 'inspection';
  /** Inspection tags (inspection, inspection_passed, inspection_failed): docs/semantics.md section 9. */
  readonly test?: string;
  readonly unit?: string;
  readonly limitLow?: number;
  readonly limitHigh?: number;
  readonly scrapOnFail?: number;
}

/** A work center's running order (docs/semantics.md section 11): the value names it, "" is no order. */
export interface OrderTagDoc extends TagDocBase {
  readonly role: 'order';
}

export type TagDoc = StateTagDoc | ReasonTagDoc | CounterTagDoc | HeartbeatTagDoc | MilestoneTagDoc | OrderTagDoc;

export type WindowDoc =
  | { readonly kind: 'tumbling'; readonly size: DurationText; readonly name?: string }
  | { readonly kind: 'hopping'; readonly size: DurationText; readonly advance: DurationText; readonly name?: string }
  | { readonly kind: 'shift'; readonly name?: string };

export interface ShiftDoc {
  readonly name: string;
  readonly start: string;
  readonly end: string;
}

export interface ShiftPatternDoc extends ShiftDoc {
  /** Weekdays or ranges: `mon`, `mon-fri`, `sun-thu` (ranges wrap around the week). */
  readonly days: readonly string[];
}

export interface CalendarDoc {
  readonly shifts: readonly ShiftPatternDoc[];
  readonly holidays?: readonly { readonly date: string; readonly name?: string }[];
  readonly overrides?: readonly {
    readonly date: string;
    readonly name?: string;
    readonly shifts: readonly ShiftDoc[];
  }[];
}

export interface TopologyDoc {
  readonly version: 1;
  readonly plant: { readonly id: string; readonly name: string; readonly timeZone: string };
  readonly eventTime?: {
    readonly silenceTimeout?: DurationText;
    readonly outOfOrderness?: DurationText;
    readonly grace?: DurationText;
    readonly idleTimeout?: DurationText;
    readonly amendmentHorizon?: DurationText;
  };
  readonly validation?: { readonly maxFuture?: DurationText; readonly maxPast?: DurationText };
  readonly policies?: { readonly rejected?: RejectPolicy; readonly late?: LatePolicy };
  /** The pipeline's topics, plus `orders` (read only with `orders.tagging`). */
  readonly topics?: Partial<Record<keyof TopicsPlan | 'orders', string>>;
  readonly orders?: { readonly tagging?: boolean; readonly attribution?: boolean; readonly loadTimeout?: DurationText };
  readonly ingest?: IngestDoc;
  readonly material?: MaterialDoc;
  readonly workCenters: Readonly<
    Record<
      string,
      {
        readonly odooCode: string;
        readonly stateMachine?: string;
        readonly idealCycleTime?: DurationText;
        readonly description?: string;
      }
    >
  >;
  readonly machines: Readonly<
    Record<
      string,
      { readonly workCenter: string; readonly silenceTimeout?: DurationText; readonly description?: string }
    >
  >;
  readonly tags: Readonly<Record<string, TagDoc>>;
  readonly windows: readonly WindowDoc[];
  readonly calendar: CalendarDoc;
  readonly odoo: {
    readonly post?: readonly StateCategory[];
    readonly quantities?: 'orders' | 'milestones';
    readonly scrapReason?: string;
    readonly losses: Readonly<Record<string, string>>;
  };
  readonly maintenance?: {
    readonly cooldown?: DurationText;
    readonly rules?: readonly MaintenanceRuleDoc[];
    /** Work center -> the maintenance.equipment codes whose preventive requests are its planned maintenance. */
    readonly equipment?: Readonly<Record<string, readonly string[]>>;
  };
}

/** One rule of the topology's `maintenance` section (docs/semantics.md section 12). */
export interface MaintenanceRuleDoc {
  readonly name: string;
  readonly workCenter: string;
  readonly reason: string;
  readonly longerThan?: DurationText;
  readonly totalOver?: DurationText;
  readonly count?: number;
  readonly equipment: string;
  readonly team?: string;
  readonly priority?: '0' | '1' | '2' | '3';
  readonly description?: string;
}
