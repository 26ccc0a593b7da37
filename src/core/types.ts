// Shared types of the pure core. No I/O, no clock, no client-library types.
// Instants are UTC epoch milliseconds (`...Ms`), durations are milliseconds (`...Ms`).

export const STATE_CATEGORIES = ['running', 'idle', 'setup', 'planned_stop', 'down', 'unknown'] as const;
export type StateCategory = (typeof STATE_CATEGORIES)[number];

export const QUALITIES = ['good', 'uncertain', 'bad'] as const;
export type Quality = (typeof QUALITIES)[number];

export const MILESTONE_KINDS = [
  'machine_down',
  'machine_up',
  'order_released',
  'operation_started',
  'quantity_completed',
  'scrap_recorded',
  'lot_consumed',
  'inspection_failed',
  'order_closed',
  // Appended (Avro enum symbols and the simulator index this list): issue 15 section 3.
  'inspection_passed',
  'quality_hold',
  'quality_release',
  // Appended: issue 14 (material events, docs/semantics.md section 13); lot_consumed is older.
  'lot_produced',
  'inventory_move',
] as const;
export type MilestoneKind = (typeof MILESTONE_KINDS)[number];

/** The material kinds of milestones (docs/semantics.md section 13). */
export const MATERIAL_KINDS = ['lot_consumed', 'lot_produced', 'inventory_move'] as const;
export type MaterialKind = (typeof MATERIAL_KINDS)[number];

/**
 * What a material milestone says moved (Avro `Material`). Codes are the plant's (or the scanner's);
 * the topology's material section maps them to Odoo. Every field may be unknown (null).
 */
export interface MaterialFacts {
  readonly lot: string | null;
  readonly product: string | null;
  readonly unit: string | null;
  readonly fromLocation: string | null;
  readonly toLocation: string | null;
  readonly package: string | null;
  readonly deviceId: string | null;
  /** The source's own unique reference of the event (scan id, WMS move id). */
  readonly reference: string | null;
}

/**
 * What an inspection milestone (`inspection_passed` / `inspection_failed`) measured, against which
 * test and limits (docs/semantics.md section 9). Every field may be unknown (null): a producer that
 * only knows pass/fail sends none. Limits are inclusive.
 */
export interface Inspection {
  readonly test: string | null;
  readonly measure: number | null;
  readonly unit: string | null;
  readonly limitLow: number | null;
  readonly limitHigh: number | null;
  /** The lot or serial inspected, when known. */
  readonly lot: string | null;
}

/** Pass or fail of a measure against inclusive limits (a missing limit does not bound). */
export function inspectionVerdict(
  measure: number,
  limitLow: number | null,
  limitHigh: number | null,
): 'inspection_passed' | 'inspection_failed' {
  return (limitLow === null || measure >= limitLow) && (limitHigh === null || measure <= limitHigh)
    ? 'inspection_passed'
    : 'inspection_failed';
}

export type SampleValue = number | string | boolean;

/** One raw tag sample as a historian or SCADA system exports it (docs/semantics.md section 1). */
export interface RawSample {
  readonly tag: string;
  /** Event time at the source, epoch milliseconds (already parsed). */
  readonly tsMs: number;
  readonly value: SampleValue;
  readonly quality: Quality;
}

/** What a state value maps to. `reason` is set only for `down` (`unspecified` when none is known). */
export interface StateMapping {
  readonly category: StateCategory;
  readonly reason?: string | undefined;
}

/**
 * `watermark` is not a machine event: it is an in-band marker of an upstream input partition's
 * progress (tag = source id, tsMs = its highest event time, amount = number of sources), which the
 * windowed lane uses to align watermarks across the partitions that feed it.
 */
export const EVENT_KINDS = ['state', 'reason', 'counter', 'heartbeat', 'milestone', 'watermark', 'order'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * A canonical machine event: a raw sample after tag mapping and validation, enriched with its
 * plant, machine and work center. This is what the windowed lane consumes and what the enriched
 * topic carries.
 */
export interface MachineEvent {
  readonly plantId: string;
  readonly machineId: string;
  readonly workCenterId: string;
  readonly tag: string;
  readonly tsMs: number;
  readonly kind: EventKind;
  /** The raw value as sent (kept for audit and for exact-duplicate detection). */
  readonly value: SampleValue;
  /** state: the mapped category. */
  readonly category?: StateCategory | undefined;
  /** state (down) or reason tag: the downtime reason code. */
  readonly reason?: string | undefined;
  /** counter: its name (`good`, `scrap` or any named count), mode and numeric value. */
  readonly counter?: string | undefined;
  readonly mode?: CounterMode | undefined;
  readonly rolloverAt?: number | undefined;
  readonly amount?: number | undefined;
  /**
   * milestone: which one, and the order or lot it names. order (a plant order signal, section 11):
   * `orderRef` is the order now running, undefined for "no order" (value "").
   */
  readonly milestone?: MilestoneKind | undefined;
  readonly orderRef?: string | undefined;
  readonly quantity?: number | undefined;
  /**
   * Order tagging (topology `orders.tagging`): the work center's running order when stage 1
   * mapped the event (see core/orders.ts), its name and work order id. Absent when tagging is off
   * or nothing was running.
   */
  readonly runningOrder?: string | undefined;
  readonly runningWorkOrderId?: number | undefined;
  /** inspection_passed / inspection_failed: the measure, test and limits when known (section 9). */
  readonly inspection?: Inspection | undefined;
}

export type CounterMode = 'total' | 'delta';

/**
 * Builds a MachineEvent with every field present (absent ones undefined) in one fixed order, so
 * all events share one hidden class and hot-path property reads stay monomorphic.
 */
export function machineEvent(
  base: Pick<MachineEvent, 'plantId' | 'machineId' | 'workCenterId' | 'tag' | 'tsMs' | 'kind' | 'value'>,
  extra: Partial<Omit<MachineEvent, 'plantId' | 'machineId' | 'workCenterId' | 'tag' | 'tsMs' | 'kind' | 'value'>> = {},
): MachineEvent {
  return {
    plantId: base.plantId,
    machineId: base.machineId,
    workCenterId: base.workCenterId,
    tag: base.tag,
    tsMs: base.tsMs,
    kind: base.kind,
    value: base.value,
    category: extra.category,
    reason: extra.reason,
    counter: extra.counter,
    mode: extra.mode,
    rolloverAt: extra.rolloverAt,
    amount: extra.amount,
    milestone: extra.milestone,
    orderRef: extra.orderRef,
    quantity: extra.quantity,
    runningOrder: extra.runningOrder,
    runningWorkOrderId: extra.runningWorkOrderId,
    inspection: extra.inspection,
  };
}

/**
 * The event with its order tag set (or cleared with null), in the one fixed shape. Stage 1 owns the
 * tag: whatever a canonical producer sent is replaced.
 */
export function withRunningOrder(
  e: MachineEvent,
  order: { readonly order: string; readonly workOrderId: number } | null,
): MachineEvent {
  return machineEvent(e, { ...e, runningOrder: order?.order, runningWorkOrderId: order?.workOrderId });
}

/** A merged state interval (consecutive intervals with the same category and reason merge). */
export interface StateInterval {
  readonly startMs: number;
  readonly endMs: number;
  readonly category: StateCategory;
  /** Downtime reason for `down`, otherwise null. */
  readonly reason: string | null;
  /**
   * docs/semantics.md section 11: the order of the share the interval belongs to (null: no order);
   * absent where attribution does not apply (window summaries, records written before it).
   */
  readonly orderRef?: string | null | undefined;
  /** Odoo's mrp.workorder id of that order when known; the shifts poster writes it as `workorder_id`. */
  readonly workOrderId?: number | null | undefined;
}

export type WindowKind = 'tumbling' | 'hopping' | 'shift';

/** A window instance. Half-open [startMs, endMs). */
export interface WindowRef {
  readonly kind: WindowKind;
  /** The window spec's name from the topology, e.g. `1m`, `15m`, `shift`. */
  readonly name: string;
  /** `2026-03-28T22:00:00.000Z` for time windows; the shift id `2026-03-28/night` for shifts. */
  readonly windowId: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Shifts only. */
  readonly shiftName?: string;
}

/** docs/semantics.md section 7: one record per (plant, work center, window or shift instance, revision). */
export interface WindowSummary {
  readonly plantId: string;
  readonly workCenterId: string;
  readonly windowKind: WindowKind;
  readonly windowName: string;
  readonly windowId: string;
  readonly shiftName: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly startLocal: string;
  readonly endLocal: string;
  readonly revision: number;
  /** false for early (partial) updates emitted before close. */
  readonly final: boolean;
  readonly lengthMs: number;
  readonly plannedMs: number;
  readonly runtimeMs: number;
  readonly downtimeMs: number;
  readonly downtimeByReason: Readonly<Record<string, number>>;
  readonly timeByCategory: Readonly<Record<StateCategory, number>>;
  readonly goodCount: number;
  readonly scrapCount: number;
  readonly counts: Readonly<Record<string, number>>;
  /**
   * Inspections (section 9.4): the inspection_passed / inspection_failed milestones with ts in the
   * window (order summaries: attributed like any count).
   */
  readonly inspectionsPassed: number;
  readonly inspectionsFailed: number;
  readonly stateChanges: number;
  readonly firstEventMs: number | null;
  readonly lastEventMs: number | null;
  readonly samplesApplied: number;
  readonly lateSamples: number;
  readonly idealCycleTimeMs: number | null;
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  readonly oee: number | null;
  /** Merged state intervals clipped to the window (what becomes Odoo productivity records). */
  readonly intervals: readonly StateInterval[];
  /**
   * Order tagging only (undefined otherwise): the distinct running orders, sorted, of the events
   * applied to the window (state, reason, counter and heartbeat samples with ts in it), as stage 1
   * tagged them; empty when none of them had one.
   */
  readonly orders?: readonly string[] | undefined;
}

/** Where the running order of an instant came from (docs/semantics.md section 11). */
export type OrderSource = 'plant' | 'odoo';

/**
 * docs/semantics.md section 11: one record per (plant, work center, shift instance, order,
 * revision). The figures are those of a shift summary restricted to the time and the samples
 * attributed to that order; `startMs`/`endMs`/`windowId` are the shift's, `lengthMs` and
 * `plannedMs` are the order's share of it. `orderRef` null is the "no order" share. Conservation:
 * for each work center and shift, the order summaries (with the "no order" one) add up exactly to
 * the shift summary (every category's ms, each downtime reason, good, scrap and other counts).
 */
export interface OrderSummary extends Omit<WindowSummary, 'orders' | 'windowKind'> {
  readonly windowKind: 'shift';
  /** The order's reference (the production's name, e.g. `WH/MO/00012`), or null: no order. */
  readonly orderRef: string | null;
  /** Odoo's mrp.workorder id and mrp.production id when known (from `orders sync`), else null. */
  readonly workOrderId: number | null;
  readonly productionId: number | null;
  /** Which source named the order (null for the "no order" share). */
  readonly orderSource: OrderSource | null;
}
